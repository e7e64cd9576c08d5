// Prelude of the single-file build: what a bare JavaScript context (a node:vm context, a
// workflow code step) may lack. Only UTF-8 is needed: the module speaks JSON text. And the
// decoding of the module's bytes from the string they are inlined as.
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

/**
 * The module's bytes from the string they are written into (tools/assemble.mjs): each byte is
 * the character of that code, except those a string literal or an HTML page cannot hold as
 * they are (control bytes, `"`, `\`, `$`, `<`, `` ` ``, DEL), which are moved up by 256. Gzip
 * still sees the module's own byte patterns (base64 hid them: 24 % more gzip). The length and
 * the bytes' sum catch a file read in an encoding other than UTF-8. (The sum, not a hash: in
 * the loop a context without JIT warm-up runs, `Math.imul` made it 20 times slower.)
 */
function decodeBytes(text, length, sum) {
  const out = new Uint8Array(length);
  let total = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    const b = c >= 256 ? c - 256 : c;
    out[i] = b;
    total = (total + b) | 0;
  }
  if (text.length !== length || total !== sum) {
    throw new Error("piapi-billing.single.js was read in the wrong text encoding: load it as UTF-8");
  }
  return out;
}
