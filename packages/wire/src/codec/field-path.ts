/** Field paths as reported in `MessageError.field`: `treeHead.signature`, `contacts[3].name`. */

export function fieldPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

export function itemPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
