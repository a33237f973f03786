// The only module that knows which web-component library draws our controls.
// @vscode/webview-ui-toolkit was archived upstream in January 2025; its successor is
// @vscode-elements/elements. Switching means rewriting this file alone: the rest of the webview asks
// for "a button" or "a dropdown" here and reads values through `controlValue`/`setControlValue`.
//
// The library is loaded by `registerToolkit()` only (esbuild still bundles it into the iife): elements
// created before that are upgraded in place when their definitions arrive, and DOM tests, which
// never register, render them as plain elements without loading the library at all.

/** Defines the custom elements; called once by the real webview. */
export async function registerToolkit(): Promise<void> {
  const toolkit = await import('@vscode/webview-ui-toolkit');
  toolkit
    .provideVSCodeDesignSystem()
    .register(
      toolkit.vsCodeButton(),
      toolkit.vsCodeTextArea(),
      toolkit.vsCodeDropdown(),
      toolkit.vsCodeOption(),
      toolkit.vsCodeProgressRing(),
      toolkit.vsCodeDivider(),
    );
}

export type ButtonAppearance = 'primary' | 'secondary' | 'icon';

export interface ButtonOptions {
  label: string;
  testId?: string;
  appearance?: ButtonAppearance;
  /** Tooltip and accessible name; required for icon buttons. */
  title?: string;
}

export function createButton(options: ButtonOptions): HTMLElement {
  const button = document.createElement('vscode-button');
  button.setAttribute('appearance', options.appearance ?? 'primary');
  button.textContent = options.label;
  if (options.title) {
    button.setAttribute('title', options.title);
    button.setAttribute('aria-label', options.title);
  }
  if (options.testId) button.dataset.testid = options.testId;
  return button;
}

export function setDisabled(control: HTMLElement, disabled: boolean): void {
  control.toggleAttribute('disabled', disabled);
}

export function createTextArea(options: { placeholder: string; testId: string; rows: number; label: string }): HTMLElement {
  const area = document.createElement('vscode-text-area');
  area.setAttribute('placeholder', options.placeholder);
  area.setAttribute('rows', String(options.rows));
  area.setAttribute('resize', 'vertical');
  area.setAttribute('aria-label', options.label);
  area.dataset.testid = options.testId;
  return area;
}

export interface DropdownOption {
  value: string;
  label: string;
}

export function createDropdown(options: { testId: string; label: string }): HTMLElement {
  const dropdown = document.createElement('vscode-dropdown');
  dropdown.setAttribute('aria-label', options.label);
  dropdown.setAttribute('title', options.label);
  dropdown.dataset.testid = options.testId;
  return dropdown;
}

/** Replaces a dropdown's options and selects `selected`. */
export function setDropdownOptions(dropdown: HTMLElement, options: DropdownOption[], selected: string): void {
  dropdown.replaceChildren(
    ...options.map((o) => {
      const option = document.createElement('vscode-option');
      option.setAttribute('value', o.value);
      option.textContent = o.label;
      if (o.value === selected) option.setAttribute('selected', '');
      return option;
    }),
  );
  setControlValue(dropdown, selected);
}

export function createProgressRing(label: string): HTMLElement {
  const ring = document.createElement('vscode-progress-ring');
  ring.setAttribute('aria-label', label);
  return ring;
}

export function createDivider(): HTMLElement {
  const divider = document.createElement('vscode-divider');
  divider.setAttribute('role', 'separator');
  return divider;
}

/** The current value of a text area or dropdown. */
export function controlValue(control: HTMLElement): string {
  const value = (control as HTMLElement & { value?: unknown }).value;
  return typeof value === 'string' ? value : '';
}

export function setControlValue(control: HTMLElement, value: string): void {
  (control as HTMLElement & { value?: string }).value = value;
}

/** The event a control fires when the user changes its value. */
export const VALUE_EVENTS = { textArea: 'input', dropdown: 'change' } as const;
