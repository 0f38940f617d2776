package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/konstruct/konstruct/api/knowledge"
	"github.com/konstruct/konstruct/api/memory"
)

// tinyManual is a few pages in the PostgreSQL manual's HTML shape (DocBook
// XSL output: a navigation header, a refnamediv with the purpose line, the
// back-of-the-book index as nested dl/dt/dd), so the subcommand and its
// query derivation are exercised without the real manual.
var tinyManual = map[string]string{
	"sql-createtable.html": refPage("CREATE TABLE", "define a new table",
		"CREATE TABLE will create a new, initially empty table in the current database. The table will be owned by the user issuing the command."),
	"sql-droptable.html": refPage("DROP TABLE", "remove a table",
		"DROP TABLE removes tables from the database. Only the table owner, the schema owner, and superuser can drop a table."),
	"sql-vacuum.html": refPage("VACUUM", "garbage-collect and optionally analyze a database",
		"VACUUM reclaims storage occupied by dead tuples. In normal operation, tuples that are deleted or obsoleted by an update are not physically removed."),
	"sql-lock.html": refPage("LOCK", "lock a table",
		"LOCK TABLE obtains a table-level lock, waiting if necessary for any conflicting locks to be released."),
	"routine-vacuuming.html": page2("Routine Vacuuming",
		"PostgreSQL databases require periodic maintenance known as vacuuming. The autovacuum daemon automates it.",
		"Preventing Transaction ID Wraparound Failures", "Transaction IDs have limited size; every table must be vacuumed at least once every two billion transactions."),
	"transaction-iso.html": page2("Transaction Isolation",
		"The SQL standard defines four levels of transaction isolation. The most strict is Serializable.",
		"Read Committed Isolation Level", "Read Committed is the default isolation level. A SELECT query sees only data committed before the query began."),
	"bookindex.html": `<html><head><title>Index</title></head><body><div class="index"><dl>
<dt id="ientry-1">autovacuum, <a class="indexterm" href="routine-vacuuming.html">Routine Vacuuming</a></dt>
<dt id="ientry-2">transaction ID, <span class="seeie">See <a href="bookindex.html#ientry-9">xid</a></span></dt>
<dd><dl><dt>wraparound, <a class="indexterm" href="routine-vacuuming.html#VACUUM-FOR-WRAPAROUND">Preventing Transaction ID Wraparound Failures</a></dt></dl></dd>
<dt id="ientry-3">isolation level, <a class="indexterm" href="transaction-iso.html">Transaction Isolation</a></dt>
<dd><dl><dt>read committed, <a class="indexterm" href="transaction-iso.html#XACT-READ-COMMITTED">Read Committed Isolation Level</a></dt></dl></dd>
<dt id="ientry-4">table lock, <a class="indexterm" href="sql-lock.html">LOCK</a>, <a class="indexterm" href="missing.html">gone</a></dt>
<dt id="ientry-5">Transaction Isolation, <a class="indexterm" href="transaction-iso.html">Transaction Isolation</a></dt>
</dl></div></body></html>`,
}

func refPage(title, purpose, body string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><head><title>%[1]s</title></head><body><div class="navheader"><table><tr><th>%[1]s</th></tr><tr><td><a href="index.html">Prev</a></td></tr></table></div>
<div class="refentry"><div class="refnamediv"><h2><span class="refentrytitle">%[1]s</span></h2><p>%[1]s — %[2]s</p></div>
<div class="refsect1"><h2>Description</h2><p>%[3]s</p><p>%[3]s</p></div></div></body></html>`, title, purpose, body)
}

func page2(title, intro, section, text string) string {
	return fmt.Sprintf(`<html><head><title>%[1]s</title></head><body><div class="sect1"><h2 class="title">%[1]s</h2><p>%[2]s</p>
<div class="sect2"><h3 class="title" id="X">%[3]s</h3><p>%[4]s</p><p>%[4]s</p></div></div></body></html>`, title, intro, section, text)
}

func writeTinyManual(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range tinyManual {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

// The judgments come from the manual: purpose lines and index entries, with
// "see" references, unknown pages, one-word entries and titles left out.
func TestDeriveQueries(t *testing.T) {
	t.Parallel()
	pages, index, err := loadManual(writeTinyManual(t))
	require.NoError(t, err)
	require.Len(t, pages, 6, "the index page is not part of the corpus")

	var got []string
	for _, q := range purposeQueries(pages) {
		got = append(got, q.Text+" → "+q.Relevant[0])
	}
	require.ElementsMatch(t, []string{"define a new table → sql-createtable.html", "remove a table → sql-droptable.html",
		"garbage-collect and optionally analyze a database → sql-vacuum.html", "lock a table → sql-lock.html"}, got)

	got = nil
	for _, q := range indexQueries(index, pages) {
		got = append(got, fmt.Sprint(q.Text, " → ", q.Relevant))
	}
	require.ElementsMatch(t, []string{
		"wraparound transaction ID → [routine-vacuuming.html]",
		"isolation level → [transaction-iso.html]",
		"read committed isolation level → [transaction-iso.html]",
		"table lock → [sql-lock.html]",
	}, got, "autovacuum is one word; Transaction Isolation is its page's title")

	s := sample(append(purposeQueries(pages), indexQueries(index, pages)...), 5)
	require.Len(t, s, 5)
	require.Equal(t, s, sample(s, 5), "the sample and its split do not depend on the input order")
	for _, q := range s {
		require.Contains(t, []string{"dev", "test"}, q.Split)
	}
}

// Scores at page level against hand-worked values, and the fusion
// recomputed with the shipped weight gives the fused ranks back.
func TestQualityScores(t *testing.T) {
	t.Parallel()
	r, rr := score([]string{"a", "b", "a", "c", "d", "e"}, []string{"c", "e"})
	require.InDelta(t, 0.5, r, 1e-9, "c is in the top 5, e is sixth")
	require.InDelta(t, 0.25, rr, 1e-9, "first relevant at rank 4")
	r, rr = score([]string{"x"}, []string{"c"})
	require.Zero(t, r)
	require.Zero(t, rr)

	j := judged{q: query{Relevant: []string{"p2"}, Split: "dev"}, hits: []rankedHit{
		// w = 0.5: p1 0.5·10/10 + 0.5·0.1 = 0.55, p2 0.5·8/10 + 0.5·0.6 = 0.7,
		// p3 0.5·0.5 = 0.25.
		{page: "p1", keyword: 1, vector: 0, fused: 2, kwScore: 10, sim: 0.1, hasSim: true},
		{page: "p2", keyword: 2, vector: 1, fused: 1, kwScore: 8, sim: 0.6, hasSim: true},
		{page: "p3", keyword: 0, vector: 2, fused: 3, sim: 0.5, hasSim: true},
	}}
	q := quality([]judged{j})
	require.InDelta(t, 0.5, q.Keyword.MRR10, 1e-9)
	require.InDelta(t, 1, q.Vector.MRR10, 1e-9)
	require.InDelta(t, 1, q.Hybrid.MRR10, 1e-9)
	require.Equal(t, Overlap{Both: 1}, q.Overlap)
	require.Equal(t, 0.5, knowledge.KeywordWeight, "the hand-worked fused scores above are for w = 0.5")
	again := scoreRefuse([]judged{j}, knowledge.KeywordWeight, 50, "max")[0]
	for _, h := range again.hits {
		for _, o := range j.hits {
			if o.page == h.page {
				require.Equal(t, o.fused, h.fused, h.page)
			}
		}
	}
}

// TestKnowledgeBenchRuns runs the whole subcommand on the tiny manual with
// small sizes: it must ingest every page, find something, grow the speed
// tenant past each size and write the JSON with its baselines.
func TestKnowledgeBenchRuns(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "knowledge.json")
	o := knowledgeOpts{manual: writeTinyManual(t), out: out, purpose: -1, index: -1, sizes: []int{60, 150}, samples: 3, workers: 2, quality: true,
		embedder: "semantic", variants: true, adminURL: envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")}
	require.NoError(t, runKnowledge(context.Background(), o))

	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var res KnowledgeResult
	require.NoError(t, json.Unmarshal(data, &res))
	require.Equal(t, 6, res.Corpus.Pages)
	require.Zero(t, res.Corpus.Failed)
	require.Positive(t, res.Corpus.Chunks)
	all := res.Quality["all"]
	require.Equal(t, 8, all.Queries)
	require.Positive(t, all.Keyword.Recall5, "the tiny manual's queries find their pages")
	require.Positive(t, all.Hybrid.MRR10)
	require.Equal(t, all.Queries, res.Quality["dev"].Queries+res.Quality["test"].Queries)
	require.NotEmpty(t, res.Fusion)
	for _, k := range []string{"ingest_vs_extract", "ingest_vs_extract_embed", "ingest_vs_copy"} {
		require.Positive(t, res.Ratios[k], k)
	}
	// The in-process ranking with the shipped semantic settings is what
	// Search's vector side ranked (exactly, below IVF's threshold).
	require.True(t, res.PassagesMatchChunks)
	var found bool
	for _, e := range res.Embedders {
		if e.Name == (semVariant{Opts: memory.DefaultSemanticOpts, Label: "shipped"}).String() {
			found = true
			require.InDelta(t, all.Vector.Recall5, e.Vector.Recall5, 1e-9)
			require.InDelta(t, all.Vector.MRR10, e.Vector.MRR10, 1e-9)
		}
	}
	require.True(t, found, "the shipped semantic settings are among the variants")
	require.Equal(t, "offline-sem-v1/256", res.Settings["embedder"])
	require.Len(t, res.Retrieval, 2)
	for i, size := range o.sizes {
		r := res.Retrieval[i]
		require.GreaterOrEqual(t, r.Chunks, size)
		require.Equal(t, o.samples, r.Retrieve.Count)
		require.Equal(t, o.samples, r.Baseline.Count)
		require.GreaterOrEqual(t, r.Statements, 1.0, "Retrieve reads the database")
	}

	// -quality=false: no manual ingested, the speed tenant grown and timed,
	// the JSON still written. (After the first run: a run's database is
	// named after the process.)
	o.quality, o.sizes, o.samples = false, []int{60}, 2
	require.NoError(t, runKnowledge(context.Background(), o))
	data, err = os.ReadFile(out)
	require.NoError(t, err)
	var speed KnowledgeResult
	require.NoError(t, json.Unmarshal(data, &speed))
	require.Nil(t, speed.Quality)
	require.Zero(t, speed.Corpus.Chunks, "the manual is not ingested")
	require.Len(t, speed.Retrieval, 1)
	require.GreaterOrEqual(t, speed.Retrieval[0].Chunks, 60)
	require.Equal(t, 2, speed.Retrieval[0].Retrieve.Count)
}

// The bench's copy of the offline embedder, at the shipped settings, gives
// memory.Offline's vectors: variants measure that algorithm, not another.
func TestHashEmbedderMatchesOffline(t *testing.T) {
	t.Parallel()
	texts := []string{"CREATE TABLE › Description\n\nCREATE TABLE will create a new, initially empty table.",
		"Refunds are paid within 14 days; shipping is free over 50 €.", "", "the and of"}
	want, err := memory.Offline{}.Embed(context.Background(), texts)
	require.NoError(t, err)
	for i, text := range texts {
		got := shipped.vector(text)
		require.Len(t, got, len(want[i]))
		for k := range got {
			require.InDelta(t, want[i][k], got[k], 1e-6, "text %d, dimension %d", i, k)
		}
	}
}
