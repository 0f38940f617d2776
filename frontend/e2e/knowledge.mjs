// Journey: Knowledge. Sign in → an unsupported file is refused with the
// server's reason → upload a PDF and a Markdown file → watch both become
// ready (the list polls while the server works) → look at a document's
// chunks → add a snippet (after its validation message) and delete it →
// ask the retrieval tester and see ranked chunks with keyword, vector and
// fused ranks → assign the sources to the agent in the designer → the
// agent's preview answers and cites them.
import { expect, journey, need, signIn } from './lib/harness.mjs'

const agentId = need('E2E_AGENT_ID')

/**
 * A one-page PDF with the given lines in Helvetica, built by hand (objects,
 * a cross-reference table with exact byte offsets, the trailer): a real PDF
 * any reader opens, without a PDF library in the journey.
 * @param {string} title
 * @param {string[]} lines
 */
function onePagePDF(title, lines) {
  const esc = (/** @type {string} */ s) => s.replace(/[\\()]/g, (c) => `\\${c}`)
  const text = ['BT', '/F1 14 Tf', '72 720 Td', '18 TL', ...lines.map((l) => `(${esc(l)}) '`), 'ET'].join('\n')
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Title (${esc(title)}) >>`,
  ]
  let out = '%PDF-1.4\n'
  /** @type {number[]} */
  const offsets = []
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'))
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = Buffer.byteLength(out, 'latin1')
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

const pdf = {
  name: 'returns-policy.pdf',
  mimeType: 'application/pdf',
  buffer: onePagePDF('Returns policy', [
    'Returns policy',
    'You can return any unused item within 30 days of delivery for a full refund.',
    'Refunds reach your card within 5 working days of the parcel arriving back.',
  ]),
}
const markdown = {
  name: 'shipping.md',
  mimeType: 'text/markdown',
  buffer: Buffer.from(
    [
      '# Shipping',
      '',
      '## Delivery times',
      '',
      'Parcels to Norway take 4 to 6 working days by standard post, or 2 days by courier.',
      '',
      '## Costs',
      '',
      'Shipping is free on orders above 50 euros; below that it costs 4.90 euros.',
      '',
    ].join('\n'),
  ),
}
// Eight bytes of PNG signature and a header: not a type the server takes.
const png = { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') }

await journey('knowledge', async ({ page, shot, log }) => {
  await signIn(page)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge' }).click()
  await page.getByRole('heading', { name: 'Knowledge', exact: true }).waitFor()
  await page.getByText('No knowledge yet').waitFor()
  await shot('knowledge-empty')

  // The server refuses what it cannot read; the page says so in its words.
  const picker = page.getByLabel('Choose files')
  await picker.setInputFiles(png)
  const uploads = page.getByRole('list', { name: 'Uploads' })
  const refused = uploads.getByRole('listitem').filter({ hasText: 'logo.png' })
  await refused.getByText('Unsupported type').waitFor()
  const reason = (await refused.textContent()) ?? ''
  expect(/not supported|upload PDF/i.test(reason), `the 415's detail is shown (got ${JSON.stringify(reason)})`)
  await shot('knowledge-unsupported')
  log('an unsupported file was refused with the server’s reason')

  await picker.setInputFiles([pdf, markdown])
  for (const f of [pdf, markdown]) await uploads.getByRole('listitem').filter({ hasText: f.name }).getByText('uploaded').waitFor({ timeout: 30_000 })
  const sources = page.getByRole('list', { name: 'Sources' })
  const cards = sources.getByRole('listitem')
  await cards.nth(1).waitFor()
  expect((await cards.count()) === 2, `two sources are listed (got ${await cards.count()})`)
  // No reload: the list polls while the server fetches and indexes.
  await page.waitForFunction(
    () => {
      const list = document.querySelector('ul[aria-label="Sources"]')
      const statuses = Array.from(list?.querySelectorAll('[data-testid="source-status"]') ?? []).map((s) => s.textContent ?? '')
      return statuses.length === 2 && statuses.every((s) => s.includes('Ready'))
    },
    undefined,
    { timeout: 60_000, polling: 250 },
  )
  for (const f of [pdf, markdown]) {
    const card = cards.filter({ hasText: f.name })
    const text = (await card.textContent()) ?? ''
    expect(!/Chunks:\s*0\b/.test(text), `${f.name} has chunks (${text})`)
  }
  await shot('knowledge-ready')
  log('the PDF and the Markdown file are ready')

  // What the Markdown file was cut into, with its heading path.
  const md = cards.filter({ hasText: markdown.name })
  await md.getByRole('button', { name: /^View chunks of/ }).click()
  const chunks = page.getByRole('dialog', { name: /^Chunks of/ })
  await chunks.getByRole('list', { name: 'Chunks' }).getByText(/Parcels to Norway take 4 to 6 working days/).waitFor()
  await chunks.getByText(/Delivery times/).first().waitFor()
  await shot('knowledge-chunks')
  await chunks.getByRole('button', { name: 'Close' }).click()

  // A snippet: its validation message first, then added, then deleted.
  await page.getByRole('button', { name: /Add a snippet/ }).click()
  const snippet = page.getByRole('dialog', { name: 'Add a snippet or Q&A' })
  await snippet.getByRole('button', { name: 'Add snippet' }).click()
  await snippet.getByText('Write the answer or the text the agent may use').waitFor()
  await snippet.getByLabel('Question').fill('Do you have a shop in Oslo?')
  await snippet.getByLabel('Answer or text').fill('No, we only sell online.')
  await snippet.getByRole('button', { name: 'Add snippet' }).click()
  const snippetCard = cards.filter({ hasText: 'Do you have a shop in Oslo?' })
  await snippetCard.waitFor()
  await snippetCard.getByRole('button', { name: /^Delete / }).click()
  const confirm = page.getByRole('alertdialog')
  await confirm.getByText(/cannot be undone/).waitFor()
  await shot('knowledge-delete-confirm')
  await confirm.getByRole('button', { name: 'Delete source' }).click()
  await snippetCard.waitFor({ state: 'detached' })
  log('a snippet was validated, added and deleted')

  // The retrieval tester: ranked chunks with their keyword, vector and fused ranks.
  await page.getByRole('navigation', { name: 'Knowledge' }).getByRole('link', { name: 'Retrieval tester' }).click()
  const tester = page.getByRole('form', { name: 'Retrieval tester' })
  await tester.getByRole('button', { name: 'Search' }).click()
  await tester.getByText('Type a question').waitFor()
  await tester.getByLabel('Question').fill('How long do parcels to Norway take?')
  await tester.getByRole('button', { name: 'Search' }).click()
  const ranked = page.getByRole('list', { name: 'Ranked chunks' })
  const top = ranked.getByRole('listitem').first()
  await top.waitFor()
  expect(/Parcels to Norway/.test((await top.textContent()) ?? ''), 'the shipping chunk ranks first')
  for (const label of ['Keyword (BM25)', 'Vector (cosine)', 'Fused']) await top.getByText(label).waitFor()
  expect(/Keyword \(BM25\)#1 · score/.test((await top.textContent()) ?? ''), 'it is first by keyword too')
  await shot('knowledge-tester')

  await tester.getByLabel('Question').fill('Can I return an item I bought two weeks ago?')
  await tester.getByRole('button', { name: 'Search' }).click()
  await ranked.getByRole('listitem').first().getByText(/within 30 days of delivery/).waitFor()
  log('the tester ranks the right chunk first for each question')

  // The agent answers from both sources and cites them in the preview.
  await page.goto(`/agents/${agentId}`)
  const knowledge = page.getByRole('region', { name: 'Knowledge' })
  await knowledge.getByRole('checkbox', { name: /shipping/i }).check()
  await knowledge.getByRole('checkbox', { name: /returns/i }).check()
  await knowledge.getByRole('button', { name: 'Save knowledge' }).click()
  await page.getByText('Knowledge saved').first().waitFor()
  await shot('knowledge-agent-sources')

  const preview = page.getByRole('region', { name: 'Preview' })
  // Worded with the policy's own terms: with the offline embedder a
  // paraphrase shares too few of them to pass the relevance gate
  // (docs/knowledge.md), and the agent would rightly say it does not know.
  await preview.getByLabel('Message').fill('How many days do I have to return an unused item?')
  await preview.getByRole('button', { name: 'Send' }).click()
  const reply = preview.getByRole('list', { name: 'Preview conversation' }).getByRole('listitem').nth(1)
  await reply.getByText(/Sources:/).waitFor({ timeout: 30_000 })
  const said = (await reply.textContent()) ?? ''
  expect(/\[1\]/.test(said) && /return/i.test(said), `the reply cites the returns policy (got ${JSON.stringify(said)})`)
  await shot('knowledge-preview-cites')
  log('the preview answer cites the uploaded document')

  await page.goto('/knowledge/gaps')
  await page.getByRole('heading', { name: 'Knowledge', exact: true }).waitFor()
  await page.getByText(/No unanswered questions|Asked \d+ time/).first().waitFor()
  await shot('knowledge-gaps')
})
