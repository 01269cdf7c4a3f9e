// A classic script, run before the body is parsed (no module: those run after it). The home's
// figures the server painted with the page (api/dashboard/templates/home_figures.html) stay
// hidden when the address opens another page (`#/nhiem-vu/…`): they would flash on the way
// to it (app.css). app.js's routes decide what the page shows; this only tells home from not.
document.documentElement.dataset.opening = /^#?\/?$/.test(window.location.hash) ? "home" : "other";
