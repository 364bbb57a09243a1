export function mathWat() { return ''; }
