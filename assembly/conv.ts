// placeholder: filled in by the kernel work on conv
