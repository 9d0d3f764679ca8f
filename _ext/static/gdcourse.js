/* gdcourse: a block that scrolls sideways must be reachable by keyboard (WCAG 2.1.1, axe
   scrollable-region-focusable). pydata-sphinx-theme gives each scrolling block tabindex 0
   when the page loads, but a block inside a closed dropdown (a solution) does not scroll
   then, gets -1, and keeps it after the reader opens the dropdown. Make the theme's check
   again, inside a dropdown, each time one opens. */
(() => {
  const SCROLLABLE = ["pre", ".nboutput > .output_area", ".cell_output > .output",
                      ".jp-RenderedHTMLCommon", ".pst-scrollable-table-container"].join(", ");
  const updateTabStops = root => root.querySelectorAll(SCROLLABLE).forEach(el => {
    if (el.isContentEditable) return;               // live code: always reachable
    el.tabIndex = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight ? 0 : -1;
  });
  document.addEventListener("click", event => {             // sphinx-togglebutton dropdowns
    const toggle = event.target.closest(".toggle .admonition-title, .toggle-button");
    if (toggle) requestAnimationFrame(() => updateTabStops(toggle.closest(".toggle") || document));
  });
  document.addEventListener("toggle", event => updateTabStops(event.target), true);  // <details>
})();
