/**
 * Builds a text PDF (Helvetica, one content stream per page) for tests and benchmarks that need a
 * PDF of a chosen size or page count; the small fixed fixtures sit beside this file.
 */
export function textPdf(pages: readonly (readonly string[])[], fontSize = 12): Buffer {
  // Objects: 1 catalog, 2 page tree, 3 font, then per page a content stream (4 + 2i) and a page (5 + 2i).
  const escape = (line: string) => line.replace(/[\\()]/g, (c) => `\\${c}`);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${5 + 2 * i} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  pages.forEach((lines, i) => {
    const text = lines.map((line) => `(${escape(line)}) Tj 0 -${fontSize + 4} Td`).join(' ');
    const content = `BT /F1 ${fontSize} Tf 40 760 Td ${text} ET`;
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${4 + 2 * i} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`,
    );
  });
  let out = '%PDF-1.4\n';
  const offsets = objects.map((object, i) => {
    const offset = Buffer.byteLength(out, 'latin1');
    out += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
