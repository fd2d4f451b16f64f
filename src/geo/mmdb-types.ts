// Data types of the MaxMind DB format, spec section "Output Data Section": shared by the verifier and the decoder.
export const POINTER = 1;
export const UTF8 = 2;
export const DOUBLE = 3;
export const BYTES = 4;
export const UINT16 = 5;
export const UINT32 = 6;
export const MAP = 7;
export const INT32 = 8;
export const UINT64 = 9;
export const UINT128 = 10;
export const ARRAY = 11;
export const BOOLEAN = 14;
export const FLOAT = 15;
