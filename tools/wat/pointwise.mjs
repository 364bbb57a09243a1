export const UNARY_OPS=[];export const BINARY_OPS=[];export function pointwiseWat(){return '';}
