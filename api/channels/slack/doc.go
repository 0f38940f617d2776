// Package slack connects Konstruct to Slack: the "Add to Slack" OAuth flow
// (a signed, single-use, tenant-bound state; the code exchanged with
// oauth.v2.access), the Events API webhook (v0 signatures checked in constant
// time over the raw body, retries and double deliveries collapsed by message
// identity, each accepted message stored with its agent turn in one
// transaction), and outbound delivery through slack-go.
//
// Events are parsed with local types rather than slackevents because
// slackevents.MessageEvent drops the files of direct messages.
package slack
