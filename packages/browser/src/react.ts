import { Component } from 'react';
import type { ErrorInfo, ReactNode } from 'react';
import { currentHandle } from './init.js';
import { ATTR } from './schema.js';
import type { BrowserHandle } from './types.js';

export interface ErrorBoundaryProps {
  children?: ReactNode;
  /** Shown instead of the children after an error; a function gets the error and a reset. */
  fallback?: ReactNode | ((error: unknown, reset: () => void) => ReactNode);
  /** Called after the error is recorded (e.g. to show a toast). */
  onError?: (error: unknown, componentStack: string | undefined) => void;
  /** @default the instance started by initBrowser */
  tracelog?: BrowserHandle;
}

interface State {
  error: unknown;
  failed: boolean;
}

/**
 * Records render errors as `exception` records with React's component stack and shows `fallback`.
 * Written without JSX so it needs no build step: `createElement(TracelogErrorBoundary, { fallback }, app)`.
 */
export class TracelogErrorBoundary extends Component<ErrorBoundaryProps, State> {
  override state: State = { error: undefined, failed: false };

  static getDerivedStateFromError(error: unknown): State {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    const stack = info.componentStack ?? undefined;
    try {
      (this.props.tracelog ?? currentHandle())?.captureException(error, {
        [ATTR.REACT_COMPONENT_STACK]: stack,
        [ATTR.EXCEPTION_MECHANISM]: 'react',
      });
      this.props.onError?.(error, stack);
    } catch {
      // reporting never breaks the fallback
    }
  }

  reset = (): void => this.setState({ error: undefined, failed: false });

  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const { fallback } = this.props;
    return typeof fallback === 'function'
      ? fallback(this.state.error, this.reset)
      : (fallback ?? null);
  }
}
