// Prelude of the single-file build: what a bare JavaScript context (a node:vm context, a
// workflow code step) may lack. Only UTF-8 is needed: the module speaks JSON text.
const TextEncoder =
  globalThis.TextEncoder ||
  class TextEncoder {
    encode(text) {
      const out = [];
      for (let i = 0; i < text.length; i++) {
        let c = text.charCodeAt(i);
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
          const low = text.charCodeAt(i + 1);
          if (low >= 0xdc00 && low < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
            i++;
          } else {
            c = 0xfffd;
          }
        } else if (c >= 0xd800 && c < 0xe000) {
          c = 0xfffd;
        }
        if (c < 0x80) out.push(c);
        else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return new Uint8Array(out);
    }
    encodeInto(text, view) {
      const bytes = this.encode(text);
      view.set(bytes);
      return { read: text.length, written: bytes.length };
    }
  };

const TextDecoder =
  globalThis.TextDecoder ||
  class TextDecoder {
    decode(bytes) {
      if (!bytes) return "";
      const parts = [];
      let units = [];
      for (let i = 0; i < bytes.length; ) {
        const b = bytes[i++];
        let c;
        if (b < 0x80) c = b;
        else if (b < 0xe0) c = ((b & 31) << 6) | (bytes[i++] & 63);
        else if (b < 0xf0) c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
        else c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63);
        if (c > 0xffff) {
          c -= 0x10000;
          units.push(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
        } else {
          units.push(c);
        }
        if (units.length >= 8192) {
          parts.push(String.fromCharCode.apply(null, units));
          units = [];
        }
      }
      parts.push(String.fromCharCode.apply(null, units));
      return parts.join("");
    }
  };

function decodeBase64(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const value = new Uint8Array(128);
  for (let i = 0; i < 64; i++) value[alphabet.charCodeAt(i)] = i;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  for (let i = 0, o = 0; i < text.length; i += 4) {
    const n =
      (value[text.charCodeAt(i)] << 18) |
      (value[text.charCodeAt(i + 1)] << 12) |
      (value[text.charCodeAt(i + 2)] << 6) |
      value[text.charCodeAt(i + 3)];
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
