# The two commands of the README. Everything they need is installed by .ci/tools.sh.
.PHONY: run test

run:
	bash .ci/serve

test:
	bash .ci/test
