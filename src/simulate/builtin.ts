// The built-in scenarios, written in the scenario file format itself (scenario.ts, docs/simulate.md) so that
// `personalizer simulate --print-scenario <name>` gives a user a working file to start from. In each, the app's
// default order puts first an action that is fine on average and best for nobody — the baseline a learning loop
// has to beat — and the best action depends on the segment, the device and the time of day.

export const BUILTIN_SCENARIOS: Record<string, object> = {
  news: {
    name: 'news',
    description:
      'A news site picks the article for its home-page slot. Commuters read short business and politics pieces on their ' +
      'phones in the morning, students want sport and tech videos in the evening, professionals long reads at their desks, ' +
      'retirees culture and politics; the editor\'s pick, first on the page, is read by some of everyone. Interest in sport fades and in science grows over the run.',
    clock: { start: '2026-01-05T06:00:00Z', eventsPerDay: 1500 },
    devices: { mobile: 0.55, desktop: 0.35, tablet: 0.1 },
    segments: [
      { name: 'commuter', weight: 3, features: { ageGroup: '25-44', subscriber: false, region: 'city' }, devices: { mobile: 0.9, tablet: 0.1 }, activity: { night: 0.2, morning: 3, afternoon: 0.5, evening: 1.5 } },
      { name: 'student', weight: 2, features: { ageGroup: '18-24', subscriber: false, region: 'campus' }, devices: { mobile: 0.7, desktop: 0.2, tablet: 0.1 }, activity: { night: 2, morning: 0.3, afternoon: 1, evening: 2 } },
      { name: 'professional', weight: 3, features: { ageGroup: '35-54', subscriber: true, region: 'city' }, devices: { desktop: 0.7, mobile: 0.3 }, activity: { night: 0.2, morning: 1, afternoon: 2.5, evening: 0.5 } },
      { name: 'retiree', weight: 2, features: { ageGroup: '65+', subscriber: true, region: 'suburb' }, devices: { desktop: 0.4, tablet: 0.6 }, activity: { night: 0.1, morning: 2, afternoon: 1.5, evening: 0.8 } },
    ],
    actions: [
      { id: 'editors-pick', features: { topic: 'mixed', format: 'long', fresh: false } },
      { id: 'politics-analysis', features: { topic: 'politics', format: 'long', fresh: false } },
      { id: 'politics-brief', features: { topic: 'politics', format: 'short', fresh: true } },
      { id: 'business-markets', features: { topic: 'business', format: 'short', fresh: true } },
      { id: 'business-feature', features: { topic: 'business', format: 'long', fresh: false } },
      { id: 'sport-highlights', features: { topic: 'sport', format: 'video', fresh: true } },
      { id: 'sport-results', features: { topic: 'sport', format: 'short', fresh: true } },
      { id: 'tech-review', features: { topic: 'tech', format: 'video', fresh: false } },
      { id: 'tech-news', features: { topic: 'tech', format: 'short', fresh: true } },
      { id: 'culture-interview', features: { topic: 'culture', format: 'long', fresh: false } },
      { id: 'culture-listings', features: { topic: 'culture', format: 'short', fresh: true } },
      { id: 'science-explainer', features: { topic: 'science', format: 'video', fresh: false } },
    ],
    reward: {
      intercept: -2.4,
      noise: 0.5,
      effects: [
        { actionId: 'editors-pick', weight: 1.0 },
        { segment: 'commuter', action: { topic: ['business', 'politics'] }, weight: 2.4 },
        { segment: 'commuter', action: { format: 'short' }, weight: 1.2 },
        { segment: 'student', action: { topic: ['sport', 'tech'] }, weight: 3 },
        { segment: 'student', action: { format: 'video' }, weight: 1.2 },
        { segment: 'professional', action: { format: 'long' }, weight: 2.1 },
        { segment: 'professional', action: { topic: ['business', 'tech'] }, weight: 1.5 },
        { segment: 'retiree', action: { topic: ['culture', 'politics'] }, weight: 2.7 },
        { device: 'mobile', action: { format: 'long' }, weight: -0.8 },
        { device: 'desktop', action: { format: 'video' }, weight: -0.4 },
        { timeOfDay: 'morning', action: { fresh: true }, weight: 0.6 },
        { timeOfDay: ['evening', 'night'], action: { topic: 'sport' }, weight: 0.7 },
        { day: 'weekend', action: { topic: 'culture' }, weight: 1.0 },
        { action: { topic: 'sport' }, weight: 0, drift: -0.1 },
        { action: { topic: 'science' }, weight: 0, drift: 0.1 },
      ],
    },
  },

  retail: {
    name: 'retail',
    description:
      'An online shop recommends one product on its landing page. Bargain hunters respond to discounts, families to ' +
      'kids and grocery products, enthusiasts to premium electronics and outdoor gear, gift shoppers (weekends and ' +
      'evenings) to gifts. The app shows its best seller first.',
    clock: { start: '2026-03-02T07:00:00Z', eventsPerDay: 2000 },
    devices: { mobile: 0.6, desktop: 0.3, app: 0.1 },
    segments: [
      { name: 'bargain-hunter', weight: 3, features: { visits30d: 'many', loyalty: 'none', cartValue: 'low' }, activity: { night: 1, morning: 1, afternoon: 1.5, evening: 2 } },
      { name: 'family', weight: 3, features: { visits30d: 'some', loyalty: 'member', cartValue: 'medium', kids: true }, devices: { mobile: 0.5, desktop: 0.3, app: 0.2 }, activity: { night: 0.3, morning: 1.5, afternoon: 1, evening: 2 } },
      { name: 'enthusiast', weight: 2, features: { visits30d: 'many', loyalty: 'gold', cartValue: 'high' }, devices: { desktop: 0.6, mobile: 0.3, app: 0.1 }, activity: { night: 1.5, morning: 0.5, afternoon: 1, evening: 2 } },
      { name: 'gift-shopper', weight: 1.5, features: { visits30d: 'few', loyalty: 'none', cartValue: 'medium' }, devices: { mobile: 0.7, desktop: 0.3 }, activity: { night: 0.2, morning: 0.5, afternoon: 1, evening: 2 } },
    ],
    actions: [
      { id: 'bestseller-headphones', features: { category: 'electronics', price: 'mid', discount: false, premium: false } },
      { id: 'budget-earbuds', features: { category: 'electronics', price: 'low', discount: true, premium: false } },
      { id: 'flagship-phone', features: { category: 'electronics', price: 'high', discount: false, premium: true } },
      { id: 'smartwatch-sale', features: { category: 'electronics', price: 'mid', discount: true, premium: false } },
      { id: 'laptop-pro', features: { category: 'electronics', price: 'high', discount: false, premium: true } },
      { id: 'lego-set', features: { category: 'kids', price: 'mid', discount: false, premium: false } },
      { id: 'school-bag-deal', features: { category: 'kids', price: 'low', discount: true, premium: false } },
      { id: 'board-game', features: { category: 'kids', price: 'low', discount: false, premium: false } },
      { id: 'coffee-beans-bulk', features: { category: 'grocery', price: 'low', discount: true, premium: false } },
      { id: 'organic-box', features: { category: 'grocery', price: 'mid', discount: false, premium: true } },
      { id: 'snack-multipack', features: { category: 'grocery', price: 'low', discount: true, premium: false } },
      { id: 'tent-ultralight', features: { category: 'outdoor', price: 'high', discount: false, premium: true } },
      { id: 'hiking-boots', features: { category: 'outdoor', price: 'mid', discount: false, premium: false } },
      { id: 'camping-stove-sale', features: { category: 'outdoor', price: 'low', discount: true, premium: false } },
      { id: 'perfume-gift-set', features: { category: 'gifts', price: 'mid', discount: false, premium: true } },
      { id: 'chocolate-hamper', features: { category: 'gifts', price: 'mid', discount: false, premium: false } },
      { id: 'candle-trio-sale', features: { category: 'gifts', price: 'low', discount: true, premium: false } },
      { id: 'cashmere-scarf', features: { category: 'fashion', price: 'high', discount: false, premium: true } },
      { id: 'sneakers-sale', features: { category: 'fashion', price: 'mid', discount: true, premium: false } },
      { id: 'basic-tee-pack', features: { category: 'fashion', price: 'low', discount: false, premium: false } },
    ],
    reward: {
      intercept: -2.6,
      noise: 0.4,
      effects: [
        { actionId: 'bestseller-headphones', weight: 0.9 },
        { segment: 'bargain-hunter', action: { discount: true }, weight: 2.8 },
        { segment: 'bargain-hunter', action: { price: 'high' }, weight: -1.5 },
        { segment: 'family', action: { category: ['kids', 'grocery'] }, weight: 2.8 },
        { segment: 'enthusiast', action: { premium: true }, weight: 2.1 },
        { segment: 'enthusiast', action: { category: ['electronics', 'outdoor'] }, weight: 1.4 },
        { segment: 'gift-shopper', action: { category: 'gifts' }, weight: 3.36 },
        { device: 'mobile', action: { price: 'high' }, weight: -0.5 },
        { device: 'app', weight: 0.5 },
        { day: 'weekend', action: { category: 'outdoor' }, weight: 0.8 },
        { timeOfDay: 'evening', action: { category: 'gifts' }, weight: 0.5 },
        { action: { category: 'fashion' }, weight: 0, drift: 0.15 },
      ],
    },
  },

  coffee: {
    name: 'coffee',
    description:
      "A coffee shop's ordering app suggests one drink. Early birds want strong hot coffee in the morning, office workers " +
      'lattes and, in the afternoon, iced drinks, students sweet and cold drinks, health-minded customers tea. House ' +
      'filter coffee is listed first.',
    clock: { start: '2026-06-01T05:00:00Z', eventsPerDay: 1200 },
    devices: { phone: 0.8, kiosk: 0.2 },
    segments: [
      { name: 'early-bird', weight: 2, features: { visitsPerWeek: 'daily', milk: 'none' }, activity: { night: 0.5, morning: 3, afternoon: 0.3, evening: 0.1 } },
      { name: 'office', weight: 3, features: { visitsPerWeek: 'weekdays', milk: 'dairy' }, activity: { night: 0.05, morning: 2, afternoon: 2, evening: 0.3 } },
      { name: 'student', weight: 2, features: { visitsPerWeek: 'some', milk: 'oat' }, devices: { phone: 0.95, kiosk: 0.05 }, activity: { night: 1, morning: 0.5, afternoon: 2, evening: 2 } },
      { name: 'health', weight: 1.5, features: { visitsPerWeek: 'some', milk: 'soy' }, activity: { night: 0.2, morning: 1, afternoon: 1, evening: 1 } },
    ],
    actions: [
      { id: 'house-filter', features: { drink: 'coffee', temperature: 'hot', strength: 'medium', sweet: false } },
      { id: 'espresso', features: { drink: 'coffee', temperature: 'hot', strength: 'strong', sweet: false } },
      { id: 'double-americano', features: { drink: 'coffee', temperature: 'hot', strength: 'strong', sweet: false } },
      { id: 'latte', features: { drink: 'milk-coffee', temperature: 'hot', strength: 'mild', sweet: false } },
      { id: 'caramel-macchiato', features: { drink: 'milk-coffee', temperature: 'hot', strength: 'mild', sweet: true } },
      { id: 'iced-latte', features: { drink: 'milk-coffee', temperature: 'cold', strength: 'mild', sweet: false } },
      { id: 'cold-brew', features: { drink: 'coffee', temperature: 'cold', strength: 'strong', sweet: false } },
      { id: 'frappe', features: { drink: 'blended', temperature: 'cold', strength: 'mild', sweet: true } },
      { id: 'green-tea', features: { drink: 'tea', temperature: 'hot', strength: 'mild', sweet: false } },
      { id: 'iced-chai', features: { drink: 'tea', temperature: 'cold', strength: 'mild', sweet: true } },
    ],
    reward: {
      intercept: -2.0,
      noise: 0.3,
      effects: [
        { actionId: 'house-filter', weight: 0.7 },
        { segment: 'early-bird', action: { strength: 'strong', temperature: 'hot' }, weight: 2.2 },
        { segment: 'office', action: { drink: 'milk-coffee' }, weight: 1.6 },
        { segment: 'office', timeOfDay: 'afternoon', action: { temperature: 'cold' }, weight: 1.0 },
        { segment: 'student', action: { sweet: true }, weight: 1.5 },
        { segment: 'student', action: { temperature: 'cold' }, weight: 1.0 },
        { segment: 'health', action: { drink: 'tea' }, weight: 2.2 },
        { segment: 'health', action: { sweet: true }, weight: -1.0 },
        { timeOfDay: ['evening', 'night'], action: { drink: ['coffee', 'milk-coffee'] }, weight: -0.8 },
        { device: 'kiosk', action: { drink: 'blended' }, weight: -0.5 },
        { action: { temperature: 'cold' }, weight: 0, drift: 0.3 },
      ],
    },
  },
};

export const DEFAULT_SCENARIO = 'news';
