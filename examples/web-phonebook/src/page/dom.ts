/**
 * A tiny element builder for the view. Text goes in as `textContent` only — names, codes and messages
 * come from relays and peers and are attacker-controlled, so nothing is ever parsed as HTML.
 */
type Child = Node | string | undefined | false;

export function h(
  tag: string,
  props: { readonly [key: string]: string | undefined } = {},
  ...children: Child[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value !== undefined) element.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  props: Record<string, string> = {},
): HTMLElement {
  const element = h('button', { type: 'button', ...props }, label);
  element.addEventListener('click', onClick);
  return element;
}
