// Just enough of a ZIP reader to take the PFX out of the certificate package the server returns
// (stored or deflated entries, read through the central directory), so the test needs no npm package
// beyond the client itself.
import { inflateRawSync } from "node:zlib";

export default class Zip {
  constructor(buffer) {
    this.buffer = Buffer.from(buffer);
  }

  entries() {
    const b = this.buffer;
    let end = b.length - 22;
    while (end >= 0 && b.readUInt32LE(end) !== 0x06054b50) end -= 1;
    if (end < 0) throw new Error("not a ZIP file: no end of central directory");
    const count = b.readUInt16LE(end + 10);
    let at = b.readUInt32LE(end + 16);
    const out = new Map();
    for (let i = 0; i < count; i += 1) {
      const method = b.readUInt16LE(at + 10);
      const size = b.readUInt32LE(at + 20);
      const nameLength = b.readUInt16LE(at + 28);
      const extra = b.readUInt16LE(at + 30) + b.readUInt16LE(at + 32);
      const local = b.readUInt32LE(at + 42);
      const name = b.subarray(at + 46, at + 46 + nameLength).toString("utf8");
      const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
      const data = b.subarray(start, start + size);
      out.set(name, method === 8 ? inflateRawSync(data) : data);
      at += 46 + nameLength + extra;
    }
    return out;
  }

  pfx() {
    for (const [name, data] of this.entries()) if (name.toLowerCase().endsWith(".pfx")) return data;
    throw new Error("the certificate package holds no .pfx entry");
  }
}
