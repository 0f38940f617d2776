package channels

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// maxAnswer caps a provider's answer read into memory.
const maxAnswer = 8 << 20

// OutcomeClient sends provider requests so that the caller can tell a
// request that never reached the provider from one whose outcome is unknown.
// A failure before the request was written in full (a refused connection, a
// DNS error, a timeout while connecting) is returned as it is: nothing was
// sent. A failure after it (a timeout awaiting the answer, a reset, a cut
// while reading the answer) is an *InDoubtError: the provider may have acted.
// The answer is read whole here, so a cut while reading it is classified too.
// slack-go takes it as its HTTP client; the Graph client calls it directly.
type OutcomeClient struct{ HTTP *http.Client }

// Do sends req and returns the answer with its body already read.
func (c OutcomeClient) Do(req *http.Request) (*http.Response, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(true)
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if wrote.Load() {
			return nil, &InDoubtError{Err: err}
		}
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_ = resp.Body.Close()
	if err != nil {
		return nil, &InDoubtError{Err: err}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
