import { describe, expect, it } from 'vitest'
import { ApiProblem } from '@/api/problem'
import { uploadFailure } from './upload-errors'

const problem = (status: number, detail?: string, errors?: Array<{ location: string; message: string }>) =>
  new ApiProblem({ type: 'about:blank', title: `Status ${status}`, status, ...(detail ? { detail } : {}), ...(errors ? { errors } : {}) })

describe('uploadFailure', () => {
  it('repeats the limit the server names for a 413', () => {
    expect(uploadFailure('manual.pdf', problem(413, 'A file may be at most 20 MB; this one is 31.2 MB.'))).toEqual({
      file: 'manual.pdf',
      kind: 'Too large',
      message: 'A file may be at most 20 MB; this one is 31.2 MB.',
    })
  })

  it('says the type is unsupported for a 415, in the server’s words', () => {
    const f = uploadFailure('photo.png', problem(415, 'image/png is not supported: upload PDF, DOCX, HTML, Markdown, text or CSV.'))
    expect(f.kind).toBe('Unsupported type')
    expect(f.message).toBe('image/png is not supported: upload PDF, DOCX, HTML, Markdown, text or CSV.')
  })

  it('adds a 422’s field errors after its detail, once each', () => {
    const f = uploadFailure(
      'big.csv',
      problem(422, 'The file was refused.', [
        { location: 'body.file', message: 'At most 500 pages per file.' },
        { location: 'body.file', message: 'The file was refused.' },
      ]),
    )
    expect(f).toEqual({ file: 'big.csv', kind: 'Refused', message: 'The file was refused. At most 500 pages per file.' })
  })

  it('falls back to the title when the server gave no detail', () => {
    expect(uploadFailure('a.md', problem(503)).message).toBe('Status 503')
    expect(uploadFailure('a.md', problem(503)).kind).toBe('Server error')
  })

  it('says a network failure was not sent', () => {
    const f = uploadFailure('a.md', ApiProblem.network(new TypeError('Failed to fetch')))
    expect(f.kind).toBe('Not sent')
    expect(f.message).toMatch(/could not be reached/)
  })
})
