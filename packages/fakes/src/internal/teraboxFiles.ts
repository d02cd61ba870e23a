/**
 * The Terabox fake's files: a flat map of paths, listed page by page
 * (`/api/list`) and changed by `/api/filemanager`, as the maintained clients
 * (alist and OpenList `drivers/terabox/util.go`, seiya-dev's terabox-api) send
 * and read them.
 */
import type { File, Options } from "../Terabox.js"

/** An answer: a JSON body, always with HTTP 200 (Terabox answers errnos so). */
export type Body = Record<string, unknown>

/** What `/api/list` does with a `num` above 1000 (the `numAbove1000` option). */
export type NumAbove1000 = NonNullable<Options["numAbove1000"]>

export const makeFiles = () => {
  const files = new Map<string, File>([
    ["/docs", { path: "/docs", isdir: 1, size: 0, fs_id: 1 }],
    ["/docs/report.pdf", { path: "/docs/report.pdf", isdir: 0, size: 48213, fs_id: 2 }],
    ["/docs/notes.txt", { path: "/docs/notes.txt", isdir: 0, size: 312, fs_id: 3 }],
    ["/photos", { path: "/photos", isdir: 1, size: 0, fs_id: 4 }]
  ])
  let fsIds = 10

  const entries = (dir: string) =>
    [...files.values()]
      .filter((f) =>
        f.path.startsWith(dir === "/" ? "/" : `${dir}/`) &&
        !f.path.slice(dir === "/" ? 1 : dir.length + 1).includes("/")
      )
      .map((f) => ({
        server_filename: f.path.split("/").at(-1)!,
        path: f.path,
        isdir: f.isdir,
        size: f.size,
        fs_id: f.fs_id,
        server_mtime: 1_700_000_000
      }))
      .sort((a, b) => (a.server_filename < b.server_filename ? -1 : a.server_filename > b.server_filename ? 1 : 0))

  /**
   * `/api/list`: `page` from 1 and `num` per page, read from the query (`GET`, alist and OpenList, `getFiles`) or the
   * form body (`POST`, seiya-dev's `getRemoteDir`); both clients page until a page comes back empty, so past the end
   * the page is empty (`list: []`). Without `num` a page holds 1000 (Baidu's netdisk API default, unknown here); a
   * missing or malformed `page`/`num` gets the defaults, never a refusal (unknown); above 1000, `numAbove1000`.
   */
  const list = (
    param: (name: string) => string | undefined,
    options: { readonly numAbove1000: NumAbove1000; readonly ignorePage: boolean }
  ): Body => {
    const dir = param("dir") ?? "/"
    if (dir !== "/" && files.get(dir)?.isdir !== 1) return { errno: -9 }
    const whole = (value: string | undefined, fallback: number) => {
      const n = Number(value ?? fallback)
      return Number.isInteger(n) && n >= 1 ? n : fallback
    }
    const asked = whole(param("num"), 1000)
    const pageNo = options.ignorePage ? 1 : whole(param("page"), 1)
    if (asked > 1000 && options.numAbove1000 === "reject") return { errno: 2, errmsg: "param error" }
    const num = asked > 1000 && options.numAbove1000 === "cap" ? 1000 : asked
    const all = entries(dir)
    if (param("desc") === "1") all.reverse()
    return { errno: 0, list: all.slice((pageNo - 1) * num, pageNo * num), guid: 0 }
  }

  /**
   * `POST /api/filemanager?opera=…&onnest=fail` with the form field `filelist` (all three maintained clients send it
   * that way; `async` and `ondup` ride in the form with alist/OpenList, and are not required). Per-item errnos as
   * the site reports them: -9 not found, -7 a bad name, -8 already exists; 12 for a batch with a failure.
   */
  const filemanager = (
    opera: string | null,
    raw: string | undefined
  ): { readonly body: Body; readonly writes: number } => {
    let list: Array<unknown>
    try {
      list = JSON.parse(raw ?? "")
      if (!Array.isArray(list)) throw new Error("not a list")
    } catch {
      return { body: { errno: 2, errmsg: "param error" }, writes: 0 }
    }
    let writes = 0
    const info: Array<{ errno: number; path: string }> = []
    for (const item of list) {
      const entry = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>
      const path = typeof item === "string" ? item : String(entry["path"] ?? "")
      const file = files.get(path)
      if (file === undefined) {
        info.push({ errno: -9, path })
        continue
      }
      const name = String(entry["newname"] ?? path.split("/").at(-1))
      const target = opera === "rename"
        ? `${path.split("/").slice(0, -1).join("/")}/${name}`
        : opera === "move" || opera === "copy"
        ? `${String(entry["dest"] ?? "/").replace(/\/$/, "")}/${name}`
        : undefined
      const dest = String(entry["dest"] ?? "/").replace(/\/$/, "") || "/"
      if ((opera === "move" || opera === "copy") && dest !== "/" && files.get(dest)?.isdir !== 1) {
        info.push({ errno: -9, path })
        continue
      }
      if (opera !== "delete" && (target === undefined || /[\\:*?"<>|]/.test(name))) {
        info.push({ errno: -7, path })
        continue
      }
      if (target !== undefined && files.has(target)) {
        info.push({ errno: -8, path })
        continue
      }
      if (opera !== "copy") files.delete(path)
      if (target !== undefined) {
        fsIds += 1
        files.set(target, { ...file, path: target, fs_id: opera === "copy" ? fsIds : file.fs_id })
      }
      writes += 1
      info.push({ errno: 0, path })
    }
    const failed = info.some((i) => i.errno !== 0)
    return { body: { errno: failed ? (info.length > 1 ? 12 : info[0]!.errno) : 0, info, taskid: 0 }, writes }
  }

  const addFiles = (dir: string, count: number): ReadonlyArray<string> => {
    const base = dir.replace(/\/$/, "")
    if (base !== "" && !files.has(base)) {
      fsIds += 1
      files.set(base, { path: base, isdir: 1, size: 0, fs_id: fsIds })
    }
    return Array.from({ length: count }, (_, i) => {
      const path = `${base}/file-${String(i + 1).padStart(5, "0")}.bin`
      fsIds += 1
      files.set(path, { path, isdir: 0, size: 1024 + i, fs_id: fsIds })
      return path
    })
  }

  return {
    all: (): ReadonlyArray<File> => [...files.values()],
    used: () => [...files.values()].reduce((sum, f) => sum + f.size, 0),
    list,
    filemanager,
    addFiles
  }
}
