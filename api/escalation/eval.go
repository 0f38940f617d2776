package escalation

import (
	"regexp"
	"strings"
	"unicode"
)

// DefaultTopics are the topics every tenant starts with; a tenant may edit
// them, add its own, or remove them.
var DefaultTopics = map[string][]string{
	"billing":   {"invoice", "bill", "billing", "charge", "charged", "payment", "refund", "subscription", "price"},
	"refund":    {"refund", "money back", "reimburse", "chargeback"},
	"cancel":    {"cancel", "cancellation", "unsubscribe", "terminate", "close my account"},
	"complaint": {"complaint", "unacceptable", "terrible", "awful", "angry", "disappointed", "worst"},
	"human":     {"human", "person", "agent", "representative", "speak to someone", "real person", "manager"},
	"legal":     {"lawyer", "legal", "lawsuit", "sue", "gdpr", "data protection"},
	"urgent":    {"urgent", "emergency", "asap", "immediately"},
}

// Context is what a rule is evaluated on.
type Context struct {
	// Text is what the chat user just wrote (the messages the turn answers).
	Text string
	// Count is how many messages the user has sent in the conversation.
	Count int
	// Topics maps topic names to keywords.
	Topics map[string][]string

	normalized string
}

// Matches reports whether the rule fires.
func Matches(n Node, c *Context) bool {
	c.normalized = " " + normalize(c.Text) + " "
	return n.eval(c)
}

// normalize lower-cases, turns punctuation into spaces and collapses runs of
// whitespace, so whole-word matching is a substring search on " word ".
func normalize(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			return r
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func (n orNode) eval(c *Context) bool  { return n.l.eval(c) || n.r.eval(c) }
func (n andNode) eval(c *Context) bool { return n.l.eval(c) && n.r.eval(c) }
func (n notNode) eval(c *Context) bool { return !n.x.eval(c) }

func (n wordNode) eval(c *Context) bool {
	if kws, ok := c.Topics[n.word]; ok {
		for _, kw := range kws {
			if contains(c, kw) {
				return true
			}
		}
		return false
	}
	return contains(c, n.word)
}

func (n quoteNode) eval(c *Context) bool { return contains(c, n.phrase) }

// contains matches whole words (or whole phrases) of kw in the text.
func contains(c *Context, kw string) bool {
	kw = normalize(kw)
	return kw != "" && strings.Contains(c.normalized, " "+kw+" ")
}

func (n countNode) eval(c *Context) bool {
	switch n.op {
	case ">":
		return c.Count > n.n
	case ">=":
		return c.Count >= n.n
	case "<":
		return c.Count < n.n
	case "<=":
		return c.Count <= n.n
	case "=":
		return c.Count == n.n
	case "!=":
		return c.Count != n.n
	}
	return false
}

var topicName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// ValidTopicName reports whether name can be used as a topic.
func ValidTopicName(name string) bool {
	return topicName.MatchString(name) && name != "and" && name != "or" && name != "not" && name != "count"
}
