import type { Client } from '../client.js';
import { ATTR } from '../schema.js';
import { SPAN_KIND, activeSpan, setActive, startSpan } from '../trace.js';

/** `button#place-order`, or the element's `data-tracelog-name`. */
function describe(target: EventTarget | null): string | undefined {
  const el =
    target instanceof Element
      ? target.closest('[data-tracelog-name],button,a,input,select,[role=button]')
      : null;
  if (!el) return undefined;
  const named = el.getAttribute('data-tracelog-name');
  if (named) return named;
  const tag = el.tagName.toLowerCase();
  if (el.id) return `${tag}#${el.id}`;
  const cls = typeof el.className === 'string' ? el.className.trim().split(/\s+/)[0] : '';
  return cls ? `${tag}.${cls}` : tag;
}

/**
 * A span per click on an interactive element, active while the click's handlers run (until the
 * end of that turn of the event loop), so a log written and a request started in a handler share
 * its trace. It is exported only when something used it.
 */
export function instrumentInteractions(client: Client): () => void {
  const onClick = (event: Event) => {
    if (activeSpan()) return;
    const name = describe(event.target);
    if (!name) return;
    const span = startSpan(`click ${name}`, SPAN_KIND.INTERNAL, client.cfg.traceRatio, {
      [ATTR.BROWSER_INTERACTION]: `click ${name}`,
    });
    setActive(span);
    setTimeout(() => {
      if (activeSpan() === span) setActive(undefined);
      if (span.used) client.endSpan(span);
    }, 0);
  };
  addEventListener('click', onClick, true);
  return () => removeEventListener('click', onClick, true);
}
