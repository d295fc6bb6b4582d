// newsloom reader: the only script. On an article opened from a citation, bring the cited sentence into view
// and flash it; everything else works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  var cited = document.getElementById("cited");
  if (!cited) return;
  cited.scrollIntoView({ block: "center" });
  cited.classList.add("flash");
  cited.setAttribute("tabindex", "-1");
  cited.focus({ preventScroll: true });
});
