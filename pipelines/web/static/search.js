// The page works without JavaScript; this only re-runs the search when the sort order changes.
document.addEventListener("DOMContentLoaded", () => {
  const sort = document.getElementById("sort");
  if (sort) sort.addEventListener("change", () => sort.form.requestSubmit());
});
