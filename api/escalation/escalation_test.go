package escalation

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAndRoundTrip(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`billing AND count > 2`:                  `(billing AND count > 2)`,
		`"speak to a human" OR refund`:           `("speak to a human" OR refund)`,
		`a OR b AND c`:                           `(a OR (b AND c))`,
		`NOT (a OR b) AND NOT c`:                 `(NOT (a OR b) AND NOT c)`,
		`count >= 3 or count = 1`:                `(count >= 3 OR count = 1)`,
		`count == 2`:                             `count = 2`,
		`"Speak   TO a   Human"`:                 `"speak to a human"`,
		`Refund`:                                 `refund`,
		`(complaint OR legal) AND NOT "kidding"`: `((complaint OR legal) AND NOT "kidding")`,
	} {
		n, err := Parse(src)
		require.NoError(t, err, src)
		require.Equal(t, want, n.String(), src)
		again, err := Parse(n.String())
		require.NoError(t, err)
		require.Equal(t, n, again, "rendering parses back to the same tree: %s", src)
	}
}

func TestParseErrorsPointAtThePosition(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		``:                  `at character 1: the rule is empty`,
		`billing AND`:       `at character 12: expected a word, a "quoted phrase", count or "(", found the end of the rule`,
		`AND billing`:       `at character 1: expected a word, a "quoted phrase" or count before AND`,
		`(refund OR cancel`: `at character 18: expected ")" to close the "(" at character 1, found the end of the rule`,
		`refund)`:           `at character 7: expected AND, OR or the end of the rule, found ")"`,
		`count > two`:       `at character 9: expected a number after count >, found "two"`,
		`count billing`:     `at character 7: expected a comparison (>, >=, <, <=, =, !=) after count, found "billing"`,
		`"speak to a human`: `at character 1: the quoted phrase is not closed`,
		`refund ! cancel`:   `at character 8: "!" must be followed by "=" (use NOT to negate)`,
		`refund $`:          `at character 8: unexpected '$'`,
		`billing cancel`:    `at character 9: expected AND, OR or the end of the rule, found "cancel"`,
		`""`:                `at character 1: the quoted phrase is empty`,
	} {
		_, err := Parse(src)
		require.Error(t, err, src)
		require.Equal(t, want, err.Error(), src)
	}
	deep := ""
	for range MaxDepth + 1 {
		deep += "("
	}
	_, err := Parse(deep + "a")
	require.ErrorContains(t, err, "nests deeper")
}

func TestMatches(t *testing.T) {
	t.Parallel()
	topics := DefaultTopics
	for _, tc := range []struct {
		rule, text string
		count      int
		want       bool
	}{
		{`billing AND count > 2`, "I was charged twice on my invoice", 3, true},
		{`billing AND count > 2`, "I was charged twice on my invoice", 2, false},
		{`billing AND count > 2`, "hello there", 5, false},
		{`"speak to a human" OR refund`, "Can I SPEAK to a   human, please?", 1, true},
		{`"speak to a human" OR refund`, "I want a refund.", 1, true},
		{`"speak to a human" OR refund`, "refundable?", 1, false}, // whole words only
		{`human`, "can I talk to a real person", 1, true},         // a topic
		{`NOT billing`, "where is my parcel", 1, true},
		{`(complaint OR legal) AND NOT "just kidding"`, "this is unacceptable, just kidding", 1, false},
		{`(complaint OR legal) AND NOT "just kidding"`, "I will call my lawyer", 1, true},
		{`count != 1`, "", 2, true},
	} {
		n, err := Parse(tc.rule)
		require.NoError(t, err)
		require.Equal(t, tc.want, Matches(n, &Context{Text: tc.text, Count: tc.count, Topics: topics}), "%s on %q", tc.rule, tc.text)
	}
}

// FuzzParse: parsing never panics, a parsed rule renders back to text that
// parses to the same tree, and evaluating it never panics.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{`billing AND count > 2`, `"speak to a human" OR refund`, `NOT (a OR b)`, `((`, `count >= `, `"`, `a\"b`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse(src)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		again, err := Parse(n.String())
		if err != nil {
			t.Fatalf("%q rendered as %q, which does not parse: %v", src, n.String(), err)
		}
		if again.String() != n.String() {
			t.Fatalf("round trip changed %q into %q", n.String(), again.String())
		}
		Matches(n, &Context{Text: src, Count: len(src), Topics: DefaultTopics})
	})
}
