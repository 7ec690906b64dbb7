/**
 * Sending from the browser: files and folders picked or dropped become an
 * upload to this device's node (announced first, then each file streamed as
 * its own request), which then offers them to the peer.
 */
import { api } from "./api.js";
import type { TransferView } from "./types.js";

export interface PickedFile {
  file: File;
  /** Relative POSIX path: `name`, or `folder/sub/name` for a folder's files. */
  path: string;
}

/** Uploads `picked` to the node and has it offer them to the peer. */
export async function sendToPeer(peerId: string, picked: PickedFile[]): Promise<TransferView> {
  const files = picked.map(({ file, path }) => ({ path, size: file.size }));
  const upload = await api.post<TransferView>("/api/uploads", { peer: peerId, files });
  for (const [index, { file }] of picked.entries()) {
    await api.upload(`/api/uploads/${upload.id}/${index}`, file, () => {});
  }
  return api.post<TransferView>(`/api/uploads/${upload.id}/commit`);
}

/** The files of a drop, folders walked (their files keep their relative paths). */
export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === "file")
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((entry) => entry === null)) {
    return [...data.files].map((file) => ({ file, path: file.name }));
  }
  const out: PickedFile[] = [];
  for (const entry of entries) await walk(entry!, "", out);
  return out;
}

/** The files of an <input type=file> (with `webkitdirectory`, their paths in the folder). */
export function filesFromInput(list: FileList): PickedFile[] {
  return [...list].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

async function walk(entry: FileSystemEntry, prefix: string, out: PickedFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, path });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, path, out);
  }
}
