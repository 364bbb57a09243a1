export function softmaxWat() { return ''; }
