/** Saves bytes or text as a file through a temporary object URL (no network). */
export function downloadFile(name: string, data: Uint8Array | string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Saves text as a file (JSON unless told otherwise). */
export function downloadText(name: string, text: string, type = 'application/json'): void {
  downloadFile(name, text, type);
}
