from skbbench.cli import main

main()
