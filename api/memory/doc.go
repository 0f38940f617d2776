// Package memory is the agent's long-term memory: what a person said once it
// was answered, and the agent's delivered replies to them (the rule
// remembered; never notices, apologies or failed turns' questions), are
// embedded (a River job, off the turn's critical path) and stored under the
// message's person (its speaker, not the thread's starter) with the agent;
// during a turn, the earlier messages most similar to the new one, from the
// same person with the same agent, come back as recalled context. Erase
// removes a person: their messages, the replies to them, their memories.
//
// Two embedders implement Embedder:
//
//   - Offline (the default) needs no service and no model download. It is a
//     feature-hashing embedder: text is lower-cased, split into words, stop
//     words dropped and the rest lightly stemmed; stems, adjacent stem pairs
//     and character trigrams are hashed (signed) into 256 dimensions with
//     sublinear term weights, then L2-normalised. Similar texts share stems
//     and trigrams, so they land near each other: it recalls paraphrases that
//     reuse or inflect the same words ("my dog" / "our dogs"), tolerates typos
//     through trigrams, and works for any language written with spaces. It
//     does not know synonyms ("car" and "vehicle" are unrelated to it); for
//     that, configure an embedding model.
//   - OpenAI-compatible calls POST /embeddings on OpenAI, Ollama, vLLM, TEI or
//     any server speaking that API, with a configurable model and dimensions.
//
// Vectors are stored in PostgreSQL (float32, little-endian, in bytea) and
// searched exactly: the scope (one person with one agent) is loaded and scored
// by cosine similarity in Go. When the pgvector extension is installed the
// same query runs in PostgreSQL instead (see search.go). Each stored vector
// records its embedder; after changing embedder, `konstruct memory backfill`
// embeds the messages again.
package memory
