// Reads the protobuf wire format of a file with positioned reads, without loading it whole: the
// public 4-bit exports are 1.4-2 GB .onnx files whose weights sit inline, and the engine only ever
// needs their structure. A file that ends in the middle of a field is reported as truncated.
import type { FileHandle } from 'node:fs/promises';
import { ModelLoadError } from './modelLoadError';

const WINDOW = 64 * 1024;
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class Cursor {
  private buf = Buffer.alloc(WINDOW);
  private bufStart = 0;
  private bufLen = 0;
  constructor(
    private readonly file: FileHandle,
    readonly size: number,
    readonly label: string,
  ) {}

  truncated(): ModelLoadError {
    return new ModelLoadError('corrupt-file', `${this.label} is truncated or is not an ONNX model (protobuf ends mid-field).`);
  }

  private async byte(pos: number): Promise<number> {
    if (pos >= this.size) throw this.truncated();
    if (pos < this.bufStart || pos >= this.bufStart + this.bufLen) {
      const { bytesRead } = await this.file.read(this.buf, 0, WINDOW, pos);
      this.bufStart = pos;
      this.bufLen = bytesRead;
      if (bytesRead === 0) throw this.truncated();
    }
    return this.buf[pos - this.bufStart];
  }

  /** Varints can exceed 32 bits (lengths in a 2 GB file): accumulate with arithmetic, not bit ops. */
  async varint(pos: number): Promise<[value: number, next: number]> {
    // Fast path: the whole varint (at most 10 bytes) is in the window, so no awaits per byte.
    if (pos >= this.bufStart && pos + 10 <= this.bufStart + this.bufLen) {
      let value = 0;
      let scale = 1;
      for (let i = pos - this.bufStart, end = i + 10; i < end; i++) {
        const b = this.buf[i];
        value += (b & 0x7f) * scale;
        if ((b & 0x80) === 0) return [value, i + 1 + this.bufStart];
        scale *= 128;
      }
      throw new ModelLoadError('corrupt-file', `${this.label} is not an ONNX model (malformed varint at byte ${pos}).`);
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = await this.byte(pos + i);
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return [value, pos + i + 1];
      scale *= 128;
    }
    throw new ModelLoadError('corrupt-file', `${this.label} is not an ONNX model (malformed varint at byte ${pos}).`);
  }

  async bytes(pos: number, length: number): Promise<Buffer> {
    if (pos + length > this.size) throw this.truncated();
    const out = Buffer.alloc(length);
    await this.file.read(out, 0, length, pos);
    return out;
  }
}

export interface Field {
  field: number;
  wire: number;
  /** Where the field's tag starts (the field spans [tagStart, end)). */
  tagStart: number;
  /** For length-delimited fields: where the payload starts and ends. For varints: the value. */
  start: number;
  end: number;
  value: number;
}

/** Iterates over the fields of the message occupying [start, end). */
export async function* fields(c: Cursor, start: number, end: number): AsyncGenerator<Field> {
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    const [tag, afterTag] = await c.varint(pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new ModelLoadError('corrupt-file', `${c.label} is not an ONNX model (invalid protobuf field number 0).`);
    switch (wire) {
      case WIRE_VARINT: {
        const [value, next] = await c.varint(afterTag);
        yield { field, wire, tagStart, start: afterTag, end: next, value };
        pos = next;
        break;
      }
      case WIRE_I64:
        pos = afterTag + 8;
        break;
      case WIRE_I32:
        pos = afterTag + 4;
        break;
      case WIRE_LEN: {
        const [length, payload] = await c.varint(afterTag);
        const payloadEnd = payload + length;
        if (payloadEnd > end) throw c.truncated();
        yield { field, wire, tagStart, start: payload, end: payloadEnd, value: length };
        pos = payloadEnd;
        break;
      }
      default:
        throw new ModelLoadError('corrupt-file', `${c.label} is not an ONNX model (unsupported protobuf wire type ${wire}).`);
    }
  }
  if (pos > end) throw c.truncated();
}
