export function conv2dWat() { return ''; }
