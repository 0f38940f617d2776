package billing

import (
	"context"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76"
)

// Price is what one seat costs, as Stripe has it for STRIPE_PRICE_ID.
type Price struct {
	UnitAmount int64  // in the currency's smallest unit (cents)
	Currency   string // ISO code, lower case
	Interval   string // month, year, …
}

// priceTTL is how long the price is kept: it changes rarely, and the billing
// page should not wait on Stripe every time it is opened.
const priceTTL = time.Hour

type priceCache struct {
	mu    sync.Mutex
	price *Price
	at    time.Time
}

// Price looks up the seat price, cached for an hour. Nil (and the error
// logged) when billing is off or Stripe cannot say: the page then shows the
// state without a price rather than failing.
func (s *Service) Price(ctx context.Context) *Price {
	if !s.Enabled() {
		return nil
	}
	s.prices.mu.Lock()
	defer s.prices.mu.Unlock()
	if s.prices.price != nil && s.now().Sub(s.prices.at) < priceTTL {
		return s.prices.price
	}
	params := &stripe.PriceParams{}
	params.Context = ctx
	p, err := s.stripe.Prices.Get(s.cfg.PriceID, params)
	if err != nil {
		s.log.WarnContext(ctx, "looking up the seat price", "price", s.cfg.PriceID, "err", err)
		return nil
	}
	price := &Price{UnitAmount: p.UnitAmount, Currency: string(p.Currency), Interval: "month"}
	if p.Recurring != nil && p.Recurring.Interval != "" {
		price.Interval = string(p.Recurring.Interval)
	}
	s.prices.price, s.prices.at = price, s.now()
	return price
}
