/** Building blocks shared by the pages: labelled fields, error and notice boxes, async actions, copy. */
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

let fieldIds = 0;

export function Field(props: { label: string; hint?: string; children: (id: string) => JSX.Element }) {
  const [id] = useState(() => `field-${++fieldIds}`);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children(id)}
      {props.hint && <small class="hint">{props.hint}</small>}
    </div>
  );
}

export function TextField(props: { label: string; value: string; onInput: (value: string) => void; type?: "text" | "email" | "password" | "number" | "datetime-local";
  required?: boolean; hint?: string; autocomplete?: string; placeholder?: string; multiline?: boolean }) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id) => props.multiline
        ? <textarea id={id} value={props.value} required={props.required} placeholder={props.placeholder}
          onInput={(event) => props.onInput(event.currentTarget.value)} />
        // Preact types `type` as a union discriminating the other attributes; ours vary at run time only.
        : <input id={id} {...{ type: props.type ?? "text" } as object} value={props.value} required={props.required}
          autocomplete={props.autocomplete} placeholder={props.placeholder}
          onInput={(event) => props.onInput(event.currentTarget.value)} />}
    </Field>
  );
}

export function ErrorBox(props: { error?: unknown }) {
  if (!props.error) return null;
  const message = props.error instanceof ApiError || props.error instanceof Error ? props.error.message : String(props.error);
  return <p class="error" role="alert">{message}</p>;
}

export function Notice(props: { children: ComponentChildren }) {
  return <p class="notice" role="status">{props.children}</p>;
}

/** Runs an async action, keeping its error and whether it is busy. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }, [action]);
  return { run, error, busy };
}

/** Loads data when `deps` change; `reload` fetches again after a change. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    setError(undefined);
    load().then((value) => live && setData(value), (caught) => live && setError(caught));
    return () => { live = false; };
  }, [...deps, version]);
  return { data, error, reload: () => setVersion((v) => v + 1) };
}

export function Form(props: { onSubmit: () => void; children: ComponentChildren; label?: string; class?: string }) {
  return (
    <form class={props.class ?? "card"} aria-label={props.label} onSubmit={(event) => {
      event.preventDefault();
      props.onSubmit();
    }}>
      {props.children}
    </form>
  );
}

export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button type="button" class="secondary" onClick={async () => {
      await navigator.clipboard.writeText(props.text);
      setCopied(true);
    }}>{copied ? "Copied" : props.label ?? "Copy"}</button>
  );
}

/** The page's heading takes focus on arrival, so a screen reader announces the new page. */
export function PageTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => { ref.current?.focus(); }, []);
  return <h1 tabIndex={-1} ref={ref}>{props.children}</h1>;
}

export function when(iso?: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}
