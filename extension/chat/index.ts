// The chat feature's entry point for the composition root.
export { registerChat, type ChatDeps } from './registerChat';
