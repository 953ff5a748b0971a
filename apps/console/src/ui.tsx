import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, stepUp } from "./api.ts";

/** A labelled input: the label names the control for assistive technology and for the tests. */
export function Field(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  autocomplete?: string;
  inputMode?: "numeric" | "text";
  required?: boolean;
}) {
  const id = `f-${props.label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required ?? true}
        autocomplete={props.autocomplete ?? "off"}
        inputMode={props.inputMode}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
    </div>
  );
}

export function Select(props: { label: string; value: string; options: string[]; onChange: (v: string) => void }) {
  const id = `s-${props.label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.options.map((o) => (
          <option value={o}>{o === "" ? "any" : o}</option>
        ))}
      </select>
    </div>
  );
}

export function Message({ error, ok }: { error?: unknown; ok?: string | null }) {
  if (error) {
    return (
      <p role="alert" class="error">
        {error instanceof Error ? error.message : String(error)}
      </p>
    );
  }
  return ok ? (
    <p role="status" class="ok">
      {ok}
    </p>
  ) : null;
}

/** Loads data on mount and whenever `deps` change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data, error: null }),
      (error: unknown) => live && setState({ data: null, error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/**
 * Cursor pagination: the stack of cursors taken so far and the Previous/Next buttons for a page that names its next
 * cursor. `reset()` goes back to the first page (after a filter changed).
 */
export function usePager(label = "Pages") {
  const [cursors, setCursors] = useState<string[]>([]);
  const pager = (nextCursor: string | null | undefined) => (
    <nav class="actions" aria-label={label}>
      <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        Previous page
      </button>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && setCursors([...cursors, nextCursor])}>
        Next page
      </button>
    </nav>
  );
  return { cursor: cursors.at(-1), reset: () => setCursors([]), pager };
}

/** A table with a caption and column headers, so screen readers announce what each cell is. */
export function Table<R>(props: { caption: string; columns: [string, (r: R) => ComponentChildren][]; rows: R[] }) {
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map(([h]) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.length === 0 ? (
          <tr>
            <td colSpan={props.columns.length}>nothing yet</td>
          </tr>
        ) : (
          props.rows.map((r) => (
            <tr>
              {props.columns.map(([, cell]) => (
                <td>{cell(r)}</td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/**
 * A modal dialog asking for a fresh one-time code before `action` runs: the API wants the second factor proven
 * within the last five minutes for approvals and for releasing the kill switch.
 */
export function SecondFactorDialog(props: {
  title: string;
  onDone: (ok: string) => void;
  onClose: () => void;
  action: () => Promise<string>;
  /** Fields the action needs besides the code (a reason), owned by the caller. */
  children?: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<unknown>(null);
  useEffect(() => ref.current?.showModal(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await stepUp(code);
      props.onDone(await props.action());
      ref.current?.close();
    } catch (err) {
      setError(err instanceof ApiError ? err : new Error(String(err)));
    }
  };
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onClose={props.onClose}>
      <form onSubmit={submit}>
        <h2 id="dialog-title">{props.title}</h2>
        <p>Enter a fresh one-time code from your authenticator to confirm.</p>
        {props.children}
        <Field label="One-time code" value={code} onInput={setCode} inputMode="numeric" autocomplete="one-time-code" />
        <Message error={error} />
        <div class="actions">
          <button type="submit">Confirm</button>
          <button type="button" class="secondary" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

export const formatWei = (wei: string | null | undefined, decimals = 18): string => {
  if (wei === null || wei === undefined) return "-";
  const v = BigInt(wei);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const unit = 10n ** BigInt(decimals);
  const frac = (abs % unit).toString().padStart(decimals, "0").slice(0, 6);
  return `${neg ? "-" : ""}${abs / unit}.${frac}`;
};
