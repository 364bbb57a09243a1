export function pool2dWat() { return ''; }
