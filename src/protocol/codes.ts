// Message type bytes. The two directions share letters that mean different
// things ('D', 'E', 'C', 'S', ...), so they live in separate tables.

/** Messages a client sends after the startup phase. */
export const FrontendCode = {
  Bind: 0x42, // B
  Close: 0x43, // C
  CopyData: 0x64, // d
  CopyDone: 0x63, // c
  CopyFail: 0x66, // f
  Describe: 0x44, // D
  Execute: 0x45, // E
  Flush: 0x48, // H
  FunctionCall: 0x46, // F
  Parse: 0x50, // P
  Password: 0x70, // p (also SASLInitialResponse, SASLResponse, GSSResponse)
  Query: 0x51, // Q
  Sync: 0x53, // S
  Terminate: 0x58, // X
} as const;

/** Messages a server sends. */
export const BackendCode = {
  Authentication: 0x52, // R
  BackendKeyData: 0x4b, // K
  BindComplete: 0x32, // 2
  CloseComplete: 0x33, // 3
  CommandComplete: 0x43, // C
  CopyBothResponse: 0x57, // W
  CopyData: 0x64, // d
  CopyDone: 0x63, // c
  CopyInResponse: 0x47, // G
  CopyOutResponse: 0x48, // H
  DataRow: 0x44, // D
  EmptyQueryResponse: 0x49, // I
  ErrorResponse: 0x45, // E
  FunctionCallResponse: 0x56, // V
  NegotiateProtocolVersion: 0x76, // v
  NoData: 0x6e, // n
  NoticeResponse: 0x4e, // N
  NotificationResponse: 0x41, // A
  ParameterDescription: 0x74, // t
  ParameterStatus: 0x53, // S
  ParseComplete: 0x31, // 1
  PortalSuspended: 0x73, // s
  ReadyForQuery: 0x5a, // Z
  RowDescription: 0x54, // T
} as const;

/** The int32 that follows the length in an untyped startup-phase packet. */
export const StartupCode = {
  CancelRequest: 80877102,
  SSLRequest: 80877103,
  GSSENCRequest: 80877104,
} as const;

/** Major protocol version 3 (the minor version is the low 16 bits). */
export const PROTOCOL_MAJOR_3 = 3;

/** Postgres refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_LENGTH = 10_000;

/** A CancelRequest holds length, code, process id and a secret key of at least 4 bytes. */
export const MIN_CANCEL_REQUEST_LENGTH = 16;

/** Postgres refuses any message longer than this (PQ_LARGE_MESSAGE_LIMIT). */
export const MAX_MESSAGE_LENGTH = 0x3fffffff;

/** 1 at every frontend type byte: a table lookup per message instead of a call and a Set. */
export const FRONTEND_CODES: Uint8Array = new Uint8Array(256);
for (const code of Object.values(FrontendCode)) FRONTEND_CODES[code] = 1;
