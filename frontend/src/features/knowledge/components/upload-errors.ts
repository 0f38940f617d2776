import { isApiProblem } from '@/api/problem'

/** Why one file of an upload was refused, in the server's own words. */
export interface UploadFailure {
  file: string
  /** A short label for the kind of refusal (shown as a badge). */
  kind: string
  /** The server's sentence (the problem's detail, which names the limit), then any field errors. */
  message: string
}

const kinds: Record<number, string> = {
  0: 'Not sent',
  400: 'Refused',
  403: 'Not allowed',
  409: 'Conflict',
  413: 'Too large',
  415: 'Unsupported type',
  422: 'Refused',
  429: 'Too many requests',
}

/**
 * Maps a failed upload to what the page says about that file. The server
 * decides what is too large or unsupported (413/415/422 name the limit or the
 * type); the page repeats that, never a guess of its own.
 */
export function uploadFailure(file: string, error: unknown): UploadFailure {
  if (!isApiProblem(error)) {
    return { file, kind: 'Failed', message: error instanceof Error && error.message ? error.message : 'The upload failed.' }
  }
  const kind = kinds[error.status] ?? (error.status >= 500 ? 'Server error' : `HTTP ${error.status}`)
  const parts = [error.detail ?? error.title]
  for (const e of error.errors) if (!parts.includes(e.message)) parts.push(e.message)
  return { file, kind, message: parts.join(' ') }
}
