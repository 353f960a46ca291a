// The one place the vendored Preact + hooks + htm bundle is imported (see assets/VENDOR.md).
export {
  html, render, useState, useEffect, useLayoutEffect, useMemo, useRef, useCallback, useReducer,
} from '/assets/vendor/htm/preact/standalone.module.js';
