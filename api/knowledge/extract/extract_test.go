package extract

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// sectionView is a compact picture of a section for comparisons.
type sectionView struct {
	Path   []string
	Page   int
	Anchor string
	Blocks []string // "kind: text"
}

func view(doc Document) []sectionView {
	var out []sectionView
	for _, s := range doc.Sections {
		v := sectionView{Path: s.HeadingPath, Page: s.Page, Anchor: s.Anchor}
		for _, b := range s.Blocks {
			v.Blocks = append(v.Blocks, string(b.Kind)+": "+b.Text)
		}
		out = append(out, v)
	}
	return out
}

func TestExtractKeepsStructure(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		file        string
		contentType string
		body        []byte
		wantFormat  Format
		wantTitle   string
		wantPages   int
		want        []sectionView
	}{
		{
			name: "PDFHeadingsListsAndPages",
			file: "policy.pdf",
			body: makePDF([][]pdfLine{
				{
					{24, "Refund policy"},
					{12, "We refund any order within 30 days of delivery,"},
					{12, "no questions asked."},
					{},
					{12, "Refunds go back to the card that paid."},
					{16, "Exceptions"},
					{12, "• Gift cards"},
					{12, "• Custom engravings, which are made"},
					{12, "to order"},
				},
				{
					{16, "How to ask"},
					{12, "1. Open your order."},
					{12, "2. Press Refund."},
				},
			}, nil, ""),
			wantFormat: FormatPDF,
			wantTitle:  "Refund policy",
			wantPages:  2,
			want: []sectionView{
				{Path: []string{"Refund policy"}, Page: 1, Anchor: "page=1", Blocks: []string{
					"paragraph: We refund any order within 30 days of delivery, no questions asked.",
					"paragraph: Refunds go back to the card that paid.",
				}},
				{Path: []string{"Refund policy", "Exceptions"}, Page: 1, Anchor: "page=1", Blocks: []string{
					"list: - Gift cards\n- Custom engravings, which are made to order",
				}},
				{Path: []string{"Refund policy", "How to ask"}, Page: 2, Anchor: "page=2", Blocks: []string{
					"list: 1. Open your order.\n2. Press Refund.",
				}},
			},
		},
		{
			name: "DOCXStylesListsAndTables",
			file: "handbook.docx",
			body: makeDOCX("Staff handbook", []docxPart{
				{Text: "Welcome to the team."},
				{Style: "Heading1", Text: "Holidays"},
				{Text: "Everyone gets 25 days a year."},
				{Style: "Heading2", Text: "Booking"},
				{Style: "ListParagraph", List: true, Text: "Ask your manager"},
				{Style: "ListParagraph", List: true, Text: "Enter the dates in the calendar"},
				{Style: "berschrift3", Text: "Public holidays"},
				{Rows: [][]string{{"Date", "Holiday"}, {"1 Jan", "New Year"}, {"25 Dec", "Christmas | Day"}}},
				{Style: "Heading1", Text: "Expenses"},
				{Text: "Keep every receipt & claim within a month."},
			}),
			wantFormat: FormatDOCX,
			wantTitle:  "Staff handbook",
			want: []sectionView{
				{Blocks: []string{"paragraph: Welcome to the team."}},
				{Path: []string{"Holidays"}, Blocks: []string{"paragraph: Everyone gets 25 days a year."}},
				{Path: []string{"Holidays", "Booking"}, Blocks: []string{"list: - Ask your manager\n- Enter the dates in the calendar"}},
				{Path: []string{"Holidays", "Booking", "Public holidays"}, Blocks: []string{
					"table: | Date | Holiday |\n| --- | --- |\n| 1 Jan | New Year |\n| 25 Dec | Christmas \\| Day |",
				}},
				{Path: []string{"Expenses"}, Blocks: []string{"paragraph: Keep every receipt & claim within a month."}},
			},
		},
		{
			name:        "HTMLMainContentWithoutScripts",
			file:        "shipping",
			contentType: "text/html; charset=utf-8",
			body: []byte(`<!doctype html><html><head><title>Shipping | Acme Help</title>
<style>body{color:red}</style><script>var secret = "do not index me";</script></head>
<body><nav><a href="/">Home</a> <a href="/help">Help</a></nav>
<main><h1 id="shipping">Shipping</h1>
<p>We ship to <b>40 countries</b> from our warehouse in Leeds.<script>track("x")</script></p>
<section id="costs"><h2>Costs</h2>
<table><tr><th>Zone</th><th>Price</th></tr><tr><td>UK</td><td>£3</td></tr><tr><td>EU</td><td>£9</td></tr></table></section>
<h2><a id="times"></a>Delivery times</h2>
<ul><li>UK: next day</li><li>EU: 3–5 days<ul><li>Ireland: 2 days</li></ul></li></ul>
<noscript>enable javascript</noscript>
<pre>tracking: ACME-123</pre>
</main><footer>© Acme</footer></body></html>`),
			wantFormat: FormatHTML,
			wantTitle:  "Shipping | Acme Help",
			want: []sectionView{
				{Path: []string{"Shipping"}, Anchor: "shipping", Blocks: []string{"paragraph: We ship to 40 countries from our warehouse in Leeds."}},
				{Path: []string{"Shipping", "Costs"}, Anchor: "costs", Blocks: []string{"table: | Zone | Price |\n| --- | --- |\n| UK | £3 |\n| EU | £9 |"}},
				{Path: []string{"Shipping", "Delivery times"}, Anchor: "times", Blocks: []string{
					"list: - UK: next day\n- EU: 3–5 days\n- Ireland: 2 days",
					"code: tracking: ACME-123",
				}},
			},
		},
		{
			name:       "MarkdownHeadingsTablesCode",
			file:       "faq.md",
			body:       []byte("Intro line\nwrapped.\n\n# Getting started\n\nInstall the *app*.\n\n## Sign in\n\n1. Open it\n2. Enter your `email`\n   - or use SSO\n\n| Plan | Seats |\n|------|------:|\n| Free | 1 |\n| Team | 10 |\n\n```sh\nacme login\n```\n\n> Tip: keep it <b>safe</b>.\n\n<div>raw <script>x()</script>html</div>\n"),
			wantFormat: FormatMarkdown,
			wantTitle:  "Getting started",
			want: []sectionView{
				{Blocks: []string{"paragraph: Intro line wrapped."}},
				{Path: []string{"Getting started"}, Anchor: "getting-started", Blocks: []string{"paragraph: Install the app."}},
				{Path: []string{"Getting started", "Sign in"}, Anchor: "sign-in", Blocks: []string{
					"list: 1. Open it\n2. Enter your email\n3. or use SSO",
					"table: | Plan | Seats |\n| --- | --- |\n| Free | 1 |\n| Team | 10 |",
					"code: acme login",
					"quote: Tip: keep it safe.",
					"paragraph: raw html",
				}},
			},
		},
		{
			name:       "PlainTextParagraphsAndLists",
			file:       "notes_for-staff.txt",
			body:       []byte("\xef\xbb\xbfOpening hours are\r\n9 to 5.\r\n\r\n- Monday\r\n- Friday, until\r\n  noon\r\n\r\nCaf\xe9 closed."),
			wantFormat: FormatText,
			wantTitle:  "notes for staff",
			want: []sectionView{
				{Blocks: []string{"paragraph: Opening hours are 9 to 5.", "list: - Monday\n- Friday, until noon", "paragraph: Café closed."}},
			},
		},
		{
			name:       "CSVQuestionAnswerPairs",
			file:       "faq.csv",
			body:       []byte("id;Question;Answer\n1;How do I reset my password?;\"Use \"\"Forgot password\"\"; we email a link.\"\n2;;skipped: no question\n3;Do you ship abroad?;Yes, to 40 countries.\n"),
			wantFormat: FormatCSV,
			wantTitle:  "faq",
			want: []sectionView{
				{Path: []string{"How do I reset my password?"}, Anchor: "row=2", Blocks: []string{`paragraph: Use "Forgot password"; we email a link.`}},
				{Path: []string{"Do you ship abroad?"}, Anchor: "row=4", Blocks: []string{"paragraph: Yes, to 40 countries."}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Extract(context.Background(), tt.file, tt.contentType, tt.body, Limits{})
			require.NoError(t, err)
			require.Equal(t, tt.wantFormat, doc.Format)
			require.Equal(t, tt.wantTitle, doc.Title)
			require.Equal(t, tt.wantPages, doc.Pages)
			require.Equal(t, tt.want, view(doc))
		})
	}
}

func TestHTMLHeadingAnchorsAndEditLinks(t *testing.T) {
	t.Parallel()
	page := []byte(`<html><body><h1 id="firstHeading">Mozilla</h1><p>Intro.</p>` +
		`<h2><span class="mw-headline" id="History">History</span><span class="mw-editsection">[<a href="?edit">edit</a>]</span></h2><p>Founded in 1998.</p>` +
		`<h3><a name="old"></a>Early days <a class="headerlink" href="#old">¶</a></h3><p>Netscape.</p></body></html>`)
	doc, err := Extract(context.Background(), "m.html", "", page, Limits{})
	require.NoError(t, err)
	require.Equal(t, []sectionView{
		{Path: []string{"Mozilla"}, Anchor: "firstHeading", Blocks: []string{"paragraph: Intro."}},
		{Path: []string{"Mozilla", "History"}, Anchor: "History", Blocks: []string{"paragraph: Founded in 1998."}},
		{Path: []string{"Mozilla", "History", "Early days"}, Anchor: "old", Blocks: []string{"paragraph: Netscape."}},
	}, view(doc))
}
