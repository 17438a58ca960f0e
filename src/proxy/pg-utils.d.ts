// pg's own conversion of a query parameter to its text (arrays, dates,
// buffers), used where pggit speaks the protocol itself (proxy/injected-queries.ts).
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): string | Buffer | null };
  export default utils;
}
