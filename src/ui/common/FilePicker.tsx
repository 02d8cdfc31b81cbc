import { useRef, useState, type ReactNode } from 'react';

interface CommonProps {
  /** The button's text, which is also its accessible name. */
  children: ReactNode;
  /** The hidden input's accessible name (tests and assistive technology find the input by it). */
  inputLabel: string;
  accept?: string;
  className?: string;
  disabled?: boolean;
  /** Why the button is disabled, or what it does. */
  title?: string;
}

interface OneFileProps extends CommonProps {
  folder?: false;
  /**
   * Files larger than this are refused by `File.size` before a byte is read: `onTooLarge` is
   * called instead of `onFile` and says why through the panel's own error display.
   */
  maxBytes?: number;
  onTooLarge?: (file: File) => void;
  /** Reads the picked file; the button stays busy until the returned promise settles. */
  onFile: (file: File) => unknown;
}

interface FolderProps extends CommonProps {
  /** Picks a whole folder (every file in it, with its relative path). */
  folder: true;
  onFiles: (files: File[]) => unknown;
}

/**
 * A button that opens a hidden file input: keyboard accessible like any button, disabled (with
 * its title) while the panel says so or while the picked file is being read.
 */
export function FilePicker(props: OneFileProps | FolderProps) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const pick = async (files: File[]) => {
    if (props.folder) return props.onFiles(files);
    const file = files[0];
    if (props.maxBytes !== undefined && file.size > props.maxBytes) return props.onTooLarge?.(file);
    return props.onFile(file);
  };
  return (
    <>
      <button
        type="button"
        className={props.className}
        disabled={props.disabled || busy}
        aria-busy={busy || undefined}
        title={props.title}
        onClick={() => input.current?.click()}
      >
        {props.children}
      </button>
      <input
        ref={input}
        type="file"
        accept={props.accept}
        hidden
        aria-label={props.inputLabel}
        multiple={props.folder || undefined}
        {...(props.folder ? ({ webkitdirectory: '', directory: '' } as Record<string, string>) : {})}
        onChange={async (e) => {
          const files = Array.from(e.target.files ?? []);
          if (!files.length) return;
          setBusy(true);
          try {
            await pick(files);
          } finally {
            e.target.value = ''; // the same file can be picked again
            setBusy(false);
          }
        }}
      />
    </>
  );
}
