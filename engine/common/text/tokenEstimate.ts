// Where no tokenizer is at hand (the extension host, a backend that cannot count), text is sized
// by characters. Code averages 3–4 characters a token; 3 errs on the side of a prompt that fits.
export const CHARS_PER_TOKEN = 3;
