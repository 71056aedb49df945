import type { EventsMap } from "@parley/protocol";
import type { NamespaceMatcher, ParentNamespace } from "./parent-namespace.js";

/**
 * The parents registered with `io.of(/regex/)` or `io.of(fn)`, and how a namespace name that
 * does not exist yet finds the parent that may create it. Matchers are asked in registration
 * order, as socket.io does, so the first parent to allow a name owns its child.
 */
export class DynamicNamespaces<
  Listen extends EventsMap,
  Emit extends EventsMap,
  ServerSide extends EventsMap,
  SocketData,
> {
  readonly #parents = new Map<
    NamespaceMatcher,
    ParentNamespace<Listen, Emit, ServerSide, SocketData>
  >();
  // A RegExp can be tested synchronously, so `io.of(name)` can attach a new name to its parent
  // at once; function matchers are asynchronous and only run for a client's CONNECT.
  readonly #parentsByRegExp = new Map<
    RegExp,
    ParentNamespace<Listen, Emit, ServerSide, SocketData>
  >();

  add(
    name: RegExp | NamespaceMatcher,
    parent: ParentNamespace<Listen, Emit, ServerSide, SocketData>,
  ): void {
    if (name instanceof RegExp) {
      if (name.global || name.sticky) {
        throw new Error("stateful regular expressions (g or y flag) are not supported");
      }
      const re = name;
      this.#parents.set((n, _auth, next) => next(null, re.test(n)), parent);
      this.#parentsByRegExp.set(re, parent);
    } else {
      this.#parents.set(name, parent);
    }
  }

  /** The regular-expression parent whose pattern `name` matches first, if any. */
  regExpParentOf(name: string): ParentNamespace<Listen, Emit, ServerSide, SocketData> | undefined {
    for (const [re, parent] of this.#parentsByRegExp) {
      if (re.test(name)) return parent;
    }
    return undefined;
  }

  /**
   * Asks each matcher in turn whether `name` may be created; `done` gets the first allowing
   * parent, or `undefined`. A matcher that throws counts as a refusal and is reported.
   */
  findParent(
    name: string,
    auth: Record<string, unknown>,
    done: (parent: ParentNamespace<Listen, Emit, ServerSide, SocketData> | undefined) => void,
    onMatcherError: (err: unknown) => void,
  ): void {
    // A snapshot: a matcher registered while an earlier one is still deciding is not asked.
    const candidates = [...this.#parents];
    const tryNext = (i: number): void => {
      const entry = candidates[i];
      if (entry === undefined) {
        done(undefined);
        return;
      }
      const [matcher, parent] = entry;
      let answered = false;
      const next = (err: Error | null, allow: boolean) => {
        if (answered) return;
        answered = true;
        if (err !== null || !allow) return tryNext(i + 1);
        done(parent);
      };
      try {
        matcher(name, auth, next);
      } catch (err) {
        onMatcherError(err);
        next(null, false);
      }
    };
    tryNext(0);
  }
}
