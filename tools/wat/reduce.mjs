export function reduceWat() { return ''; }
