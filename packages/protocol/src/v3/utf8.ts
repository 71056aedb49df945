// TextEncoder/TextDecoder are standard in every runtime Parley targets, but the ES library
// typings do not declare them and this package takes neither DOM nor Node typings: declare
// just what is used (as base64.ts does for atob/btoa).
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare const TextDecoder: new () => { decode(bytes: Uint8Array): string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of `text`; lone surrogates become U+FFFD. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Text of UTF-8 `bytes`; invalid sequences become U+FFFD (engine.io's v3 parser is lenient too). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
