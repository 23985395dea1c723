// Colour only on a terminal, never with NO_COLOR (https://no-color.org).
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Styler { (style: Style, text: string): string; enabled: boolean }

export function styler(stream: NodeJS.WriteStream | null): Styler {
  const enabled = !!stream?.isTTY && !process.env.NO_COLOR;
  const f = ((style: Style, text: string) => (enabled ? styleText(style, text) : text)) as Styler;
  f.enabled = enabled;
  return f;
}

export const plain: Styler = styler(null);
