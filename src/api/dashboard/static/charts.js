// Time-series charts with uPlot (loaded from this server as the global `uPlot`), resized with their container so
// that they read on a laptop and on a phone. A chart keeps its instance and takes new data in place on refresh.
const COLORS = ['#0a5bd3', '#e07b00', '#7a7f8c', '#1b7f3b'];

export class TimeChart {
  constructor(container, { series, yLabel, percent = false }) {
    this.container = container;
    this.series = series;
    this.yLabel = yLabel;
    this.percent = percent;
    this.plot = null;
    new ResizeObserver(() => this.resize()).observe(container);
  }

  size() {
    const width = Math.max(260, this.container.clientWidth);
    return { width, height: width < 500 ? 200 : 260 };
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  /** data: [times (s), ...one array per series]. */
  update(data) {
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    const fmt = this.percent ? (v) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`) : (v) => (v === null ? '–' : +v.toFixed(4));
    this.plot = new uPlot(
      {
        ...this.size(),
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        // A share stays on 0 … 100 %; other scales fit their data.
        scales: { x: { time: true }, ...(this.percent ? { y: { range: [0, 1] } } : {}) },
        axes: [{}, { label: this.yLabel, values: (_u, vals) => vals.map(fmt), size: 60 }],
        series: [{ label: 'Time (UTC)' }, ...this.series.map((label, i) => ({ label, stroke: COLORS[i], width: 2, spanGaps: true, value: (_u, v) => fmt(v) }))],
      },
      data,
      this.container,
    );
  }
}
