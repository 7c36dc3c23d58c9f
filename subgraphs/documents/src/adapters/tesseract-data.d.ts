/** The English OCR model shipped on npm (no download at run time). */
declare module '@tesseract.js-data/eng' {
  const model: { code: string; gzip: boolean; langPath: string };
  export default model;
}
