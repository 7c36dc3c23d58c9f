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
