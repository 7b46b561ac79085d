/**
 * The Chart.js pieces the statistics view draws with (bar charts only), registered once.
 * Loaded on demand (its own chunk): it is most of the page's weight.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** One data series of a bar chart. */
export interface BarSeries {
  label: string;
  /** One value per label; null draws no bar (a suppressed small cell). */
  data: (number | null)[];
  color: string;
}

/**
 * Draws a bar chart on `canvas`.
 * @returns the chart (destroy it when the view goes)
 */
export function barChart(canvas: HTMLCanvasElement, labels: string[], series: BarSeries[]): { destroy(): void } {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: series.length > 1 } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}
