export function batchNormWat() { return ''; }
