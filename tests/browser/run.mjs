// Drives Debian's chromium over a running csfeed demo site.
//
//   node tests/browser/run.mjs BASE_URL SCREENSHOT_DIR
//
// For each page at 390 px and 1280 px wide: load it, save a full-page screenshot, run
// axe-core (WCAG 2 A/AA rules), and record serious or critical violations. On the search
// page it also follows a facet link, as a user narrowing results would. On every page it
// checks the share metadata and that headings go down one level at a time, and per page
// type what people share: a story's chips, subscribe form and canonical link; a topic's
// active facet; an error page without feeds; nothing cut off on /ofsted, a report or a
// council page (no box scrolls sideways, nothing reaches past the window). Prints one JSON
// report on stdout; exits 1 when any page failed to load or has serious/critical
// violations, 2 when the browser cannot start.

import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, screenshots] = process.argv.slice(2);
if (!base || !screenshots) {
  console.error('usage: node run.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(screenshots, { recursive: true });

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
// Phone and desktop widths in the light scheme, and the desktop in the dark one.
const layouts = [
  { width: 390, scheme: 'light' },
  { width: 1280, scheme: 'light' },
  { width: 1280, scheme: 'dark' },
];

async function articlePath(page) {
  const response = await page.request.get(`${base}/api/v1/search?q=St+Helens+focused+visit+kind:news`);
  const body = await response.json();
  return body.results.length ? `/articles/${body.results[0].id}` : '/';
}

// The 2018 St Helens letter: a report csfeed read, with areas for priority action.
async function reportPath(page) {
  const response = await page.request.get(`${base}/api/v1/search?q=kind:focused-visit+la:st-helens+has:priority-actions`);
  const body = await response.json();
  return body.results.length ? `/articles/${body.results[0].id}` : '/no-report-with-priority-actions';
}

async function audit(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
}

// What every page and each kind of page must have; returns the problems found.
async function pageProblems(page, name) {
  return page.evaluate((name) => {
    const problems = [];
    const meta = (selector) => document.querySelector(selector)?.getAttribute('content') || '';
    for (const selector of ['meta[name=description]', 'meta[property="og:title"]', 'meta[property="og:description"]',
      'meta[property="og:url"]', 'meta[property="og:type"]', 'meta[property="og:site_name"]']) {
      if (!meta(selector)) problems.push(`no ${selector}`);
    }
    if (!/^https?:\/\//.test(meta('meta[property="og:url"]'))) problems.push('og:url is not absolute');
    // Paths on the server (reports read from disk) are never linked.
    if (document.querySelector('a[href^="file:"], link[href^="file:"]')) problems.push('a link to a file: address');
    const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
    if (levels[0] !== 1) problems.push(`the first heading is h${levels[0]}`);
    levels.forEach((level, i) => {
      if (i > 0 && level > levels[i - 1] + 1) problems.push(`heading jumps from h${levels[i - 1]} to h${level}`);
    });
    // "and N more" in the topic facet leads somewhere.
    for (const facet of document.querySelectorAll('section.facet[aria-label="Topic"] p.small')) {
      if (!facet.querySelector('a[href="/topics"]')) problems.push('the topic facet\'s "more" is not a link');
    }
    if (name === 'article') {
      if (!document.querySelector('article.full-story a.chip-council[href^="/la/"]')) problems.push('no council chip');
      if (!document.querySelector('article.full-story a.chip-topic[href^="/topics/"]')) problems.push('no topic chip');
      if (!document.querySelector('form[action="/subscribe"] input[name=q][value^="la:"]')) problems.push('no council subscribe form');
      if (!document.querySelector('link[rel=canonical][href^="http"]')) problems.push('no canonical link');
      if (meta('meta[property="og:type"]') !== 'article') problems.push('og:type is not article');
    }
    if (name === 'report') {
      if (!document.querySelector('section.report-facts a[href^="/la/"]')) problems.push('no facts panel with the council');
      if (!document.querySelector('section.report-facts td.travel, section.report-facts th')) problems.push('no facts');
      if (!document.querySelectorAll('section.priority-actions li').length) problems.push('no areas for priority action');
      if (!document.querySelectorAll('section.improvements li').length) problems.push('no "what needs to improve" list');
      if (!document.querySelector('a[href^="/reports/"][href$=".pdf"]')) problems.push('no link to the stored PDF');
      if (!/, August 2018$/.test(document.querySelector('h1')?.textContent || '')) problems.push('the title does not say which letter');
    }
    // Nothing on the national table, a report or a council page is cut off: no box scrolls
    // sideways and nothing reaches past the window's right edge (a table inside a
    // scrolling box does not widen the page, so the page-wide check misses it).
    if (['ofsted', 'report', 'council'].includes(name)) {
      for (const box of document.querySelectorAll('main *')) {
        const style = getComputedStyle(box);
        if (style.position === 'absolute' || style.display === 'none') continue;
        const scrolls = ['auto', 'scroll', 'hidden'].includes(style.overflowX) && box.scrollWidth > box.clientWidth + 1;
        const right = box.getBoundingClientRect().right;
        if (scrolls || right > window.innerWidth + 1) {
          problems.push(`cut off at ${window.innerWidth} px: <${box.tagName.toLowerCase()} class="${box.className}">`);
          break;
        }
      }
    }
    if (name === 'topic' && !document.querySelector('section.facet[aria-label="Topic"] .facet-active')) {
      problems.push('the topic\'s own facet is not active');
    }
    if (name === 'not-found') {
      if (document.querySelector('link[rel=alternate]')) problems.push('an error page advertises a feed');
      if ([...document.querySelectorAll('a')].some((a) => /\.(rss|atom|json)(\?|$)/.test(a.getAttribute('href') || ''))) {
        problems.push('an error page links to a feed');
      }
      const heading = document.querySelector('h1')?.textContent || '';
      if (!/^[A-Z]/.test(heading)) problems.push(`the error heading "${heading}" has no capital`);
      const site = document.querySelector('.site-title')?.textContent || '';
      if (!site || !document.title.endsWith(site) || /csfeed/.test(document.title)) problems.push(`error page title "${document.title}"`);
    }
    return problems;
  }, name);
}

let browser;
try {
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
} catch (error) {
  console.error(`cannot start chromium at ${executablePath}: ${error.message}`);
  process.exit(2);
}

const report = { pages: [], failures: 0 };
try {
  const probe = await browser.newPage();
  const pages = [
    ['home', '/'],
    ['search', '/search?q=children'],
    ['article', await articlePath(probe)],
    ['report', await reportPath(probe)],
    ['council', '/la/st-helens'],
    ['councils', '/la'],
    ['ofsted', '/ofsted'],
    ['topic', '/topics/kinship-care'],
    ['help', '/help/search'],
    ['not-found', '/no/such/page'],
  ];
  // The stylesheet has a fingerprinted name and is cached for a year.
  const home = await probe.goto(`${base}/`);
  const css = await probe.evaluate(() => document.querySelector('link[rel=stylesheet]').getAttribute('href'));
  const cssResponse = await probe.request.get(`${base}${css}`);
  const cache = cssResponse.headers()['cache-control'] || '';
  report.stylesheet = { href: css, cache, homeEncoding: home.headers()['content-encoding'] || null };
  if (!/^\/static\/style\.[0-9a-f]+\.css$/.test(css) || !cache.includes('immutable')) report.failures += 1;
  // The report's PDF link opens the file csfeed stored.
  const reportPage = await probe.goto(`${base}${pages.find(([name]) => name === 'report')[1]}`);
  const pdfHref = reportPage ? await probe.evaluate(() => document.querySelector('a[href^="/reports/"]')?.getAttribute('href')) : null;
  const pdf = pdfHref ? await probe.request.get(`${base}${pdfHref}`) : null;
  report.pdf = { href: pdfHref, status: pdf ? pdf.status() : 0, type: pdf ? pdf.headers()['content-type'] : null };
  if (!pdf || pdf.status() !== 200 || report.pdf.type !== 'application/pdf' || !(await pdf.body()).subarray(0, 5).equals(Buffer.from('%PDF-'))) report.failures += 1;
  await probe.close();
  for (const { width, scheme } of layouts) {
    const suffix = scheme === 'dark' ? `${width}-dark` : `${width}`;
    // The site's CSP forbids all script; axe is injected by the test, so bypass it here.
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme, bypassCSP: true });
    const page = await context.newPage();
    for (const [name, path] of pages) {
      const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
      const status = response ? response.status() : 0;
      const bytes = response ? (await response.body()).length : 0;
      const expected = name === 'not-found' ? 404 : 200;
      const violations = await audit(page);
      const file = join(screenshots, `${name}-${suffix}.png`);
      await page.screenshot({ path: file, fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      const problems = await pageProblems(page, name);
      const entry = { name, path, width, scheme, status, bytes, violations, overflow, problems, screenshot: file };
      // No page over 100 KB before images.
      if (status !== expected || violations.length > 0 || overflow || problems.length > 0 || bytes > 100 * 1024) report.failures += 1;
      report.pages.push(entry);
    }
    // Narrow a search by a facet, as a user would.
    await page.goto(`${base}/search?q=children`, { waitUntil: 'load' });
    const facet = page.locator('aside.facets li a').first();
    const before = await page.locator('p.count').innerText();
    await facet.click();
    await page.waitForLoadState('load');
    const after = await page.locator('p.count').innerText();
    const active = await page.locator('.facet-active').count();
    const facetEntry = { name: 'facet-click', width, scheme, before, after, url: page.url(), active };
    if (active < 1 || before === after) report.failures += 1;
    report.pages.push(facetEntry);
    await page.screenshot({ path: join(screenshots, `search-refined-${suffix}.png`), fullPage: true });
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));
process.exit(report.failures > 0 ? 1 : 0);
